import { isTerminal, type ExecutionRecord, type TaskRunRecord } from "@ferry/sdk";
import type { ExecutorEvent } from "../messages.js";
import type { ExecutionState } from "./execution-state.js";
import { currentOf } from "./held-task-run.js";

/*
 * What decides whether the results of one execution waiting together may be folded into one
 * save (Executor.handleFolded): each must apply as it stands, and the steps before it must have
 * asked for nothing but a save, jobs and logs. A save that went unanswered is checked by sameSave.
 */

export const isResultOf = (message: unknown, executionId: string) => {
  const event = message as ExecutorEvent;
  return event.type === "result" && event.executionId === executionId;
};

/** a result that applies as it stands: its run's current attempt, which has not ended (no refusal, no stale trace, no WorkingDirectory) */
export function appliesCleanly(state: ExecutionState, event: ExecutorEvent): boolean {
  if (event.type !== "result") return false;
  const run = state.byId(event.taskRunId);
  // an ended run is held packed: its state read as it is, before its attempts would unpack it
  if (!run || isTerminal(currentOf(run)) || currentOf(run) === "RETRYING" || run.planUri) return false;
  const attempt = run.attempts[event.attempt];
  return Boolean(attempt) && event.attempt === run.attempts.length - 1 && !isTerminal(attempt!.state.current);
}

/** whether the steps so far asked only for a save, jobs and logs: another result may be folded after them */
export function foldsFurther(state: ExecutionState): boolean {
  return (
    state.execution.state.current === "RUNNING" && !state.ended && !state.children.length && !state.iterations.length && !state.childRestarts.length && !state.resumes.length &&
    !state.removed.length && !state.childKills.length && !state.workerKills.length && !state.delayed.length && !state.pauseWakeups.length && !state.slaWakeups.length &&
    !state.newExecutionRetry && !state.scheduledStart
  );
}

/** whether the stored execution is the one this state saved: same state, same changed task runs */
export function sameSave(stored: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] }, state: ExecutionState): boolean {
  // key order aside (PostgreSQL's jsonb sorts keys): the same JSON
  const canonical = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
  const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);
  if (!same(stored.execution.state, state.execution.state)) return false;
  const runs = new Map(stored.taskRuns.map((run) => [run.id, run]));
  for (const run of state.dirty) {
    const saved = runs.get(run.id);
    if (!saved || !same(saved.state, run.state) || !same(saved.attempts, run.attempts)) return false;
  }
  return true;
}

