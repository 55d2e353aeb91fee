import type { Repository, TaskRunRecord } from "@ferry/sdk";
import type { ExecutionState } from "./execution-state.js";

/*
 * A RETRYING task run waits for its next attempt. The wait is a delayed queue message (the
 * fast path) and its due date, kept on the failed attempt in the repository (the truth): when
 * the message is lost — Redis lost its data, a local server restarted — the reconciler or the
 * restart finds the run and arms the wait again for what is left of it, so a retry never
 * starts early and never waits forever. The `retry` event is idempotent (apply-event checks
 * the attempt number), so a wait armed twice still starts one attempt.
 */

/** starts the wait for a run's next attempt, `delayMs` from now */
export function armRetry(state: ExecutionState, run: TaskRunRecord, delayMs: number, now = Date.now()): void {
  const failed = run.attempts[run.attempts.length - 1];
  if (failed) failed.retryAt = new Date(now + delayMs).toISOString();
  state.delayed.push({ taskRunId: run.id, attempt: run.attempts.length, delayMs });
}

/** when a RETRYING run's next attempt is due; runs saved before due dates were kept count as due */
export function retryDueAt(run: TaskRunRecord): number {
  const retryAt = run.attempts[run.attempts.length - 1]?.retryAt;
  return retryAt ? Date.parse(retryAt) : 0;
}

/** a RETRYING run whose wait may have been lost: its next attempt starts now if due, else the wait is armed again */
export function resumeRetryWait(state: ExecutionState, run: TaskRunRecord, dispatch: (run: TaskRunRecord) => void, now = Date.now()): void {
  const remaining = retryDueAt(run) - now;
  if (remaining > 0) state.delayed.push({ taskRunId: run.id, attempt: run.attempts.length, delayMs: remaining });
  else dispatch(run);
}

/** retry.behavior CREATE_NEW_EXECUTION: the execution ended RETRIED; the new one is due `delayMs` from now */
export function armNewExecutionRetry(state: ExecutionState, delayMs: number, now = Date.now()): void {
  state.execution.retryAt = new Date(now + delayMs).toISOString();
  state.newExecutionRetry = { delayMs };
}

/** how long a RETRIED execution's new execution stays claimed (executor.ts): older ones were followed up or never will be */
export const NEW_EXECUTION_RETRY_HORIZON_MS = 7 * 24 * 3600_000;

/**
 * Executions ended RETRIED whose new execution may still have to be made, with the delay left
 * before it is due: asked again once per process (the new execution is made once, under a
 * claim, however often it is asked), so a timer lost with the queue or a local restart is armed again.
 */
export async function newExecutionRetries(repository: Repository, now = Date.now()): Promise<Array<{ executionId: string; delayMs: number }>> {
  const found: Array<{ executionId: string; delayMs: number }> = [];
  const startedAfter = new Date(now - NEW_EXECUTION_RETRY_HORIZON_MS).toISOString();
  for (let page = 1; ; page++) {
    const { results } = await repository.searchExecutions({ state: ["RETRIED"], startedAfter, page, size: 200 });
    for (const e of results) if (e.retryAt) found.push({ executionId: e.id, delayMs: Math.max(0, Date.parse(e.retryAt) - now) });
    if (results.length < 200) return found;
  }
}
