import { isTerminal, type TaskRunRecord } from "@ferry/sdk";

/**
 * Trims the arrays of a task run that ended to their length. A running execution's task runs
 * stay in memory between its events (SavedExecutions), and an array grown by push keeps room
 * for 17 entries: a ForEach's ended runs each held three such arrays, about 350 of their
 * 2,300 bytes (heap snapshot of a ForEach over 20,000 values, issue #18).
 */
export function compactEnded(run: TaskRunRecord): void {
  if (!isTerminal(run.state.current)) return;
  run.state.histories = run.state.histories.slice();
  run.attempts = run.attempts.slice();
  for (const attempt of run.attempts) attempt.state.histories = attempt.state.histories.slice();
}
