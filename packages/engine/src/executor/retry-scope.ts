import type { RetrySpec, TaskSpec } from "@ferry/core";
import type { TaskRunRecord } from "@ferry/sdk";
import type { ExecutionState } from "./execution-state.js";
import { nextRetryDelay } from "./retry-policy.js";
import { armNewExecutionRetry, armRetry } from "./retry-wait.js";

/**
 * The retry policy a failed task run follows, as Kestra's ExecutorService picks it for a
 * runnable or Subflow task: its own, else that of the nearest enclosing task that has one,
 * else the flow's.
 */
export function applicableRetry(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, taskOf: (run: TaskRunRecord) => TaskSpec | undefined): RetrySpec | undefined {
  if (task?.retry) return task.retry;
  for (let p = run.parentTaskRunId ? state.byId(run.parentTaskRunId) : undefined; p; p = p.parentTaskRunId ? state.byId(p.parentTaskRunId) : undefined) {
    const retry = taskOf(p)?.retry;
    if (retry) return retry;
  }
  return state.flow.retry;
}

/**
 * Retries a failed task run if its policy allows another attempt; answers whether it did.
 * RETRY_FAILED_TASK: the run waits RETRYING for its next attempt. CREATE_NEW_EXECUTION: the
 * run, its parents and the execution end RETRIED, and a new execution of the flow follows
 * after the delay; attempts and `maxDuration` then count executions from the first one.
 */
export function retryFailedRun(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, taskOf: (run: TaskRunRecord) => TaskSpec | undefined): boolean {
  const retry = applicableRetry(state, run, task, taskOf);
  if (!retry) return false;
  const { execution } = state;
  if (retry.behavior === "CREATE_NEW_EXECUTION") {
    const delayMs = nextRetryDelay(retry, execution.attemptNumber ?? 1, execution.originalCreated ?? execution.created);
    if (delayMs === undefined) return false;
    for (let r: TaskRunRecord | undefined = run; r; r = r.parentTaskRunId ? state.byId(r.parentTaskRunId) : undefined) state.setRunState(r, "RETRIED");
    state.log("INFO", `task '${run.taskId}' failed: the flow is retried in a new execution (attempt ${(execution.attemptNumber ?? 1) + 1})`, run);
    state.setExecutionState("RETRIED");
    state.ended = true;
    armNewExecutionRetry(state, delayMs);
    return true;
  }
  const delayMs = nextRetryDelay(retry, run.attempts.length, run.attempts[0]?.state.startDate ?? run.state.startDate);
  if (delayMs === undefined) return false;
  state.setRunState(run, "RETRYING");
  armRetry(state, run, delayMs);
  return true;
}

/** Kestra's warningOnRetry: a task that succeeds only after a retry ends WARNING */
export function successState(task: TaskSpec | undefined, run: TaskRunRecord, state: "SUCCESS" | "WARNING"): "SUCCESS" | "WARNING" {
  return state === "SUCCESS" && task?.retry?.warningOnRetry && run.attempts.length > 1 ? "WARNING" : state;
}
