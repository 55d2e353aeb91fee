import type { TaskSpec } from "@ferry/core";
import { newId, type RunContext, type SharedFolderHooks, type TaskOutputs } from "@ferry/sdk";
import type { ExecutorEvent, OutputRef, WorkerJob } from "../messages.js";
import type { Outcome } from "./worker.js";

/** a WorkingDirectory's child runs in its folder and stops when it stops */
export interface SharedFolderRun {
  dir: string;
  signal: AbortSignal;
}

export interface SharedFolderDeps {
  send(event: ExecutorEvent): Promise<void>;
  workerId: string;
  /** runs one child attempt as any task attempt runs, and answers what it reported (nothing: it was handed back) */
  runChild(job: WorkerJob, shared: SharedFolderRun): Promise<Outcome | undefined>;
}

/**
 * Kestra's WorkingDirectory on the worker (its Worker's handling of a WorkingDirectory task):
 * the folder is prepared, then the runnable children run one after another in it, each its
 * own task run with its own attempt, logs and outputs, each seeing the outputs of those
 * before it. The first failure stops the rest (a child with allowFailure goes on, WARNING), as
 * does a kill. `conclude` runs whatever the outcome, so output files of a failed run are kept.
 */
export async function runSharedFolder(
  deps: SharedFolderDeps,
  job: WorkerJob,
  hooks: SharedFolderHooks<unknown>,
  ctx: RunContext,
  props: unknown,
): Promise<{ state: Outcome["state"]; outputs: TaskOutputs | void }> {
  const shared = { dir: await ctx.workingDirectory(), signal: ctx.signal };
  await hooks.prepare(ctx, props);
  const earlier = job.sharedFolder?.children ?? {};
  const siblings: OutputRef[] = [];
  let state: Outcome["state"] = "SUCCESS";
  for (const task of (job.task.tasks ?? []) as TaskSpec[]) {
    if (task.disabled) continue;
    if (ctx.signal.aborted) break;
    const taskRunId = earlier[task.id]?.taskRunId ?? newId();
    const attempt = earlier[task.id]?.attempts ?? 0;
    await deps.send({
      type: "child", executionId: job.executionId, parentTaskRunId: job.taskRunId, parentAttempt: job.attempt, taskId: task.id, taskRunId, attempt, workerId: deps.workerId,
    });
    const outcome = await deps.runChild(childJob(job, task, taskRunId, attempt, siblings), shared);
    if (!outcome) break; // handed back or lost: the WorkingDirectory goes to another worker whole
    if (outcome.outputsUri) siblings.push({ taskId: task.id, ...(job.sharedFolder?.values ? { values: job.sharedFolder.values } : {}), uri: outcome.outputsUri });
    if (outcome.state === "KILLED") {
      state = "KILLED";
      break;
    }
    if (outcome.state === "FAILED" && !task.allowFailure) {
      state = "FAILED";
      break;
    }
    if (outcome.state !== "SUCCESS") state = "WARNING";
  }
  return { state, outputs: await hooks.conclude(ctx, props, state) };
}

/** the job of one child: the WorkingDirectory's, for this task, seeing its earlier siblings' outputs */
function childJob(job: WorkerJob, task: TaskSpec, taskRunId: string, attempt: number, siblings: OutputRef[]): WorkerJob {
  const { sharedFolder: _, ...rest } = job;
  return {
    ...rest,
    taskRunId,
    attempt,
    task,
    taskrun: {
      id: taskRunId,
      ...(job.taskrun.value !== undefined ? { value: job.taskrun.value } : {}),
      parentId: job.taskRunId,
      // the WorkingDirectory is the nearest parent; its value is its loop's, not its own
      parents: [{ task: { id: job.task.id } }, ...(job.taskrun.parents ?? [])],
      attemptsCount: attempt,
    },
    context: { ...job.context, outputs: [...job.context.outputs, ...siblings] },
  };
}
