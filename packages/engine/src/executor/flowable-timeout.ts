import type { TaskSpec } from "@ferry/core";
import { formatClock, type FlowablePlan, type TaskRunRecord } from "@ferry/sdk";
import type { ExecutionState } from "./execution-state.js";
import { endOpenBelow } from "./end-open-below.js";
import { outcomeState } from "./task-outcome.js";

/** the wake-up of a flowable's timeout, apart from its own pause or loop wake-up (the queue keeps one outstanding per id) */
export const timeoutWakeupKey = (taskRunId: string) => `timeout:${taskRunId}`;

/**
 * A timeout's log lines, as Kestra's RunContextLogger writes `logger.error(message, exception)`:
 * the message at ERROR, then the exception at TRACE (TimeoutTest counts two lines holding
 * "Timeout"). A wait the executor held has no stack to give; a worker's timeout logs its own.
 */
export function logTimeout(state: ExecutionState, run: TaskRunRecord, timeoutMs: number): void {
  const message = `Timeout after ${formatClock(timeoutMs)}`;
  state.log("ERROR", message, run);
  state.log("TRACE", `TimeoutError: ${message} (no stack: the executor held this wait, not a worker)`, run);
}

/** a flowable with a `timeout` starts: its bound is kept in its plan, its wake-up armed (the date it counts from is the run's start) */
export function armFlowableTimeout(state: ExecutionState, run: TaskRunRecord, timeoutMs: number): void {
  state.pauseWakeups.push({ taskRunId: run.id, delayMs: timeoutMs, timeout: true });
}

/**
 * A flowable's `timeout` passed (Kestra: the timeout of a flowable kills its running children and
 * fails it): its open task runs below end KILLED (workers told to stop theirs, child executions
 * killed), the flowable FAILED with Kestra's `Timeout after` line. Answers whether it timed out;
 * one not yet due is armed again.
 */
export function checkFlowableTimeout(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, task: TaskSpec | undefined, arrived: boolean): boolean {
  const remaining = Date.parse(run.state.startDate) + plan.timeoutMs! - Date.now();
  if (remaining > 0) {
    if (arrived) state.pauseSettles.push(timeoutWakeupKey(run.id));
    state.pauseWakeups.push({ taskRunId: run.id, delayMs: remaining, timeout: true });
    return false;
  }
  state.pauseSettles.push(timeoutWakeupKey(run.id), run.id);
  endOpenBelow(state, run.id, "KILLED");
  logTimeout(state, run, plan.timeoutMs!);
  state.setRunState(run, outcomeState(task, "FAILED", plan.allowFailure));
  // a Pause or a waiting loop below held the execution PAUSED
  if (state.execution.state.current === "PAUSED" && !state.taskRuns.some((r) => r.state.current === "PAUSED")) state.setExecutionState("RUNNING");
  return true;
}
