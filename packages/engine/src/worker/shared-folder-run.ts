import type { TaskSpec } from "@ferry/core";
import { errorMessage, newId, type RunContext, type SharedFolderHooks, type TaskOutputs } from "@ferry/sdk";
import { nextRetryDelay } from "../executor/retry-policy.js";
import { outcomeState } from "../executor/task-outcome.js";
import type { ExecutorEvent, OutputRef, WorkerJob } from "../messages.js";
import type { Outcome } from "./attempt-report.js";

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
  /** renders a child's runIf; throws when it does not render */
  runIfHolds(job: WorkerJob): Promise<boolean>;
}

/**
 * Kestra's WorkingDirectory on the worker (its Worker's handling of a WorkingDirectory task):
 * the folder is prepared, then the runnable children run one after another in it, each its
 * own task run with its own attempts, logs and outputs, each seeing the outputs of those
 * before it. A child whose runIf is false is SKIPPED; one whose runIf does not render fails
 * the WorkingDirectory without a task run of its own; the first failure stops the rest (a
 * child with allowFailure goes on, WARNING, once its retry policy is spent), as does a kill.
 * A failed child its policy retries stops the run too: the executor keeps the retry's wait
 * (durable, as every retry's) and then sends the WorkingDirectory again, resuming at that
 * child; children the executor marks `done` ended before it and are not run again.
 * `conclude` runs whatever the outcome, so output files of a failed run are kept.
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
    const done = earlier[task.id]?.done;
    if (done) {
      if (done.outputsUri) siblings.push({ taskId: task.id, ...(job.sharedFolder?.values ? { values: job.sharedFolder.values } : {}), uri: done.outputsUri });
      continue;
    }
    const taskRunId = earlier[task.id]?.taskRunId ?? newId();
    const first = earlier[task.id]?.attempts ?? 0;
    const child = (attempt: number, ended?: Extract<ExecutorEvent, { type: "child" }>["ended"]) =>
      deps.send({
        type: "child", executionId: job.executionId, parentTaskRunId: job.taskRunId, parentAttempt: job.attempt, taskId: task.id, taskRunId, attempt, workerId: deps.workerId,
        ...(ended ? { ended } : {}),
      });
    let ended: Outcome["state"] | "SKIPPED" | undefined;
    if (task.runIf !== undefined) {
      try {
        if (!(await deps.runIfHolds(childJob(job, task, taskRunId, first, siblings)))) ended = "SKIPPED";
      } catch (error) {
        // Kestra's Worker: "Failed evaluating runIf" fails the WorkingDirectory itself; the child gets no task run
        // (WorkingDirectoryTest.invalidRunIf: two task runs, the WorkingDirectory and the child before it)
        ctx.logger.error(`Failed evaluating runIf of '${task.id}': ${errorMessage(error)}`);
        state = "FAILED";
        break;
      }
      if (ended === "SKIPPED") await child(first, { state: "SKIPPED" });
    }
    if (ended === undefined) {
      await child(first);
      const outcome = await deps.runChild(childJob(job, task, taskRunId, first, siblings), shared);
      if (!outcome) break; // handed back or lost: the WorkingDirectory goes to another worker whole
      if (outcome.outputsUri) siblings.push({ taskId: task.id, ...(job.sharedFolder?.values ? { values: job.sharedFolder.values } : {}), uri: outcome.outputsUri });
      ended = outcome.state;
      if (ended === "FAILED" && !outcome.unrecoverable && willRetry(job, task, first + 1)) {
        state = "FAILED";
        break;
      }
    }
    if (ended === "SKIPPED") continue;
    const effective = outcomeState(task, ended);
    if (effective === "KILLED" || effective === "FAILED") {
      state = effective;
      break;
    }
    if (effective === "WARNING") state = "WARNING";
  }
  return { state, outputs: await hooks.conclude(ctx, props, state) };
}

/** whether the executor retries a child that failed after `attempts` attempts (retry-scope.ts decides the same, on the same policy) */
function willRetry(job: WorkerJob, task: TaskSpec, attempts: number): boolean {
  const retry = job.sharedFolder?.retries?.[task.id];
  return nextRetryDelay(retry, attempts, retry?.firstAttemptDate ?? new Date().toISOString()) !== undefined;
}

/** the job of one child: the WorkingDirectory's, for this task, seeing its earlier siblings' outputs */
function childJob(job: WorkerJob, task: TaskSpec, taskRunId: string, attempt: number, siblings: OutputRef[]): WorkerJob {
  const { sharedFolder: _, doubles, ...rest } = job;
  // the whole floats written in this child: those of the WorkingDirectory's job under its place in `tasks`
  const index = ((job.task.tasks ?? []) as TaskSpec[]).indexOf(task);
  const mine = (doubles ?? []).filter((path) => path[0] === "tasks" && path[1] === index).map((path) => path.slice(2));
  // Kestra's RunContextInitializer.forWorkingDirectory: the WorkingDirectory's own taskrun, as `workerTaskrun`
  const { parents: _parents, workerTaskrun: _outer, ...workerTaskrun } = job.taskrun;
  return {
    ...rest,
    ...(mine.length ? { doubles: mine } : {}),
    taskRunId,
    attempt,
    task,
    taskrun: {
      id: taskRunId,
      // a WorkingDirectory's children have no value of their own (Kestra's FlowableUtils.resolveTasks)
      parentId: job.taskRunId,
      // the WorkingDirectory (no outputs) is a parent only with a value, as Kestra's Execution.parents lists them
      parents: job.taskrun.value !== undefined ? [{ task: { id: job.task.id }, taskrun: { value: job.taskrun.value } }, ...(job.taskrun.parents ?? [])] : (job.taskrun.parents ?? []),
      attemptsCount: attempt,
      workerTaskrun: { ...workerTaskrun, attemptsCount: job.attempt },
    },
    context: { ...job.context, outputs: [...job.context.outputs, ...siblings] },
  };
}
