import type { ExecutionState } from "./execution-state.js";

/** the queue id of a scheduled execution's start: one outstanding per execution, however often it is armed again */
export const scheduledStartId = (executionId: string) => `scheduled:${executionId}`;

/**
 * Kestra's scheduleDate (ExecutionEventMessageHandler, ExecutionDelayProcessor): an execution
 * created with a date still ahead stays CREATED — no task starts, no concurrency slot is taken,
 * no SLA counts — until then. Its start is a delayed executor event with a fixed id, armed again
 * on every look at it (a reconcile, a restart), so the wait is the repository's `scheduleDate`
 * and outlives any process; an early delivery (two servers' clocks apart) arms it for what is
 * left. Answers whether the execution is still held.
 */
export function holdUntilScheduled(state: ExecutionState): boolean {
  const { execution } = state;
  if (execution.state.current !== "CREATED" || !execution.scheduleDate) return false;
  const remaining = Date.parse(execution.scheduleDate) - Date.now();
  if (remaining <= 0) return false;
  state.scheduledStart = { delayMs: remaining };
  return true;
}

/** when an execution's time started counting (its MAX_DURATION SLAs): its scheduleDate when it waited for it */
export function startedCounting(state: ExecutionState): number {
  const created = Date.parse(state.execution.state.startDate);
  const scheduled = state.execution.scheduleDate ? Date.parse(state.execution.scheduleDate) : Number.NaN;
  return Number.isNaN(scheduled) ? created : Math.max(created, scheduled);
}
