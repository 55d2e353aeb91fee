import type { PluginRegistry, TaskSpec } from "@ferry/core";
import { isTerminal, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import type { ExecutorEvent, SharedFolderJob } from "../messages.js";
import { newState, transition, type ExecutionState } from "./execution-state.js";
import { applicableRetry } from "./retry-scope.js";
import { outcomeState } from "./task-outcome.js";
import type { ListStatus } from "./walker.js";

/**
 * Kestra's WorkingDirectory, on the executor's side. Its children must share one folder, so
 * the whole flowable goes to one worker as one job (an attempt of the flowable's task run),
 * which runs the children in order and reports each as its own task run (`child`, then the
 * usual `started` and `result`). The executor never sends a child alone: a lost worker, a
 * restart or a stale job send the flowable again, and its next attempt runs every child
 * again, each as a new attempt of its task run.
 *
 * A failed child its retry policy retries waits RETRYING like any task run (a durable wait,
 * retry-wait.ts) while the flowable waits for it; once due, the flowable is sent again and
 * its next attempt resumes at that child: the children that ended before it are not run
 * again, as Kestra's executor retries only the failed child (in a fresh folder: the files
 * the earlier children left were in the folder of the attempt that ended).
 */
export function isSharedFolder(task: TaskSpec | undefined, registry: PluginRegistry): boolean {
  const def = task && registry.task(task.type);
  return def?.kind === "flowable" && def.sharedFolder !== undefined;
}

/** the run's parent when that is a WorkingDirectory and the run one of its `tasks` (not of its errors or finally, which the executor runs) */
export function sharedFolderParent(state: ExecutionState, run: TaskRunRecord, taskOf: (run: TaskRunRecord) => TaskSpec | undefined, registry: PluginRegistry): TaskRunRecord | undefined {
  const parent = run.parentTaskRunId ? state.byId(run.parentTaskRunId) : undefined;
  const task = parent && taskOf(parent);
  if (!parent || !isSharedFolder(task, registry)) return undefined;
  return ((task!.tasks ?? []) as TaskSpec[]).some((child) => child.id === run.taskId) ? parent : undefined;
}

/**
 * What the worker needs beside the usual job: the children's output values, the task runs of
 * earlier attempts (those that ended before a child's retry, when this attempt resumes after
 * it), and each child's retry policy, so that the worker stops at a child the executor retries.
 */
export function sharedFolderJob(state: ExecutionState, run: TaskRunRecord, task: TaskSpec, taskOf: (run: TaskRunRecord) => TaskSpec | undefined): SharedFolderJob {
  const children: SharedFolderJob["children"] = {};
  const mine = state.taskRuns.filter((child) => child.parentTaskRunId === run.id);
  const resuming = mine.some((child) => child.state.current === "RETRYING");
  for (const child of mine) {
    if (!child.attempts.length && child.state.current !== "SKIPPED") continue;
    const ended = resuming && ["SUCCESS", "WARNING", "SKIPPED"].includes(child.state.current);
    children[child.taskId] = { taskRunId: child.id, attempts: child.attempts.length, ...(ended ? { done: child.outputsUri ? { outputsUri: child.outputsUri } : {} } : {}) };
  }
  const retries: NonNullable<SharedFolderJob["retries"]> = {};
  for (const child of (task.tasks ?? []) as TaskSpec[]) {
    const existing = mine.find((r) => r.taskId === child.id);
    const pending: TaskRunRecord = existing ?? { id: "", executionId: run.executionId, taskId: child.id, parentTaskRunId: run.id, state: newState("CREATED"), attempts: [] };
    const retry = applicableRetry(state, pending, child, taskOf);
    const firstAttemptDate = existing?.attempts[0]?.state.startDate;
    if (retry && retry.behavior !== "CREATE_NEW_EXECUTION") retries[child.id] = { ...retry, ...(firstAttemptDate ? { firstAttemptDate } : {}) };
  }
  const values = state.loopValues(run, true);
  return { ...(values.length ? { values } : {}), children, ...(Object.keys(retries).length ? { retries } : {}) };
}

/**
 * A child the worker starts: a new task run under the flowable, or the next attempt of one an
 * earlier attempt of the flowable ran. Only the flowable's current attempt may start children.
 */
export function applyChild(state: ExecutionState, event: Extract<ExecutorEvent, { type: "child" }>, taskOf: (run: TaskRunRecord) => TaskSpec | undefined): void {
  const parent = state.byId(event.parentTaskRunId);
  if (!parent || isTerminal(parent.state.current) || event.parentAttempt !== parent.attempts.length - 1) return;
  if (state.execution.state.current === "KILLING") return;
  let run = state.byId(event.taskRunId);
  if (!run) {
    if (event.attempt !== 0) return;
    run = state.create(event.taskId, parent.id, undefined, "CREATED", event.taskRunId);
  } else if (run.parentTaskRunId !== parent.id || event.attempt !== run.attempts.length) {
    return; // a duplicate event
  }
  if (event.ended) {
    if (event.ended.message) state.log("ERROR", event.ended.message, run);
    if (event.ended.state === "SKIPPED") {
      // as in Kestra (RunIfTest.runIfWorkingDirectory): a child its runIf skipped has one attempt, SKIPPED
      const attempt = newState<TaskRunState>("CREATED");
      transition(attempt, "SKIPPED");
      run.attempts.push({ state: attempt, workerId: event.workerId });
    }
    state.setRunState(run, outcomeState(taskOf(run), event.ended.state));
    return;
  }
  const previous = run.attempts[run.attempts.length - 1];
  if (previous && !isTerminal(previous.state.current)) transition(previous.state, "FAILED");
  run.attempts.push({ state: newState("CREATED"), workerId: event.workerId });
  state.setRunState(run, "QUEUED");
}

/** whether the WorkingDirectory waits for a child's retry (its attempt ended; it is sent again once the retry is due) */
export function waitsForChildRetry(state: ExecutionState, run: TaskRunRecord): boolean {
  return state.taskRuns.some((child) => child.parentTaskRunId === run.id && child.state.current === "RETRYING");
}

/** the children's outcome, as the flowable's worker reported it in its attempt's result (running while a child waits for its retry) */
export function sharedFolderStatus(state: ExecutionState, run: TaskRunRecord): ListStatus {
  if (waitsForChildRetry(state, run)) return "running";
  const attempt = run.attempts[run.attempts.length - 1];
  switch (attempt?.state.current) {
    case "SUCCESS":
      return "success";
    case "WARNING":
      return "warning";
    case "FAILED":
      return "failed";
    case "KILLED":
      return "killed";
    default:
      return "running";
  }
}
