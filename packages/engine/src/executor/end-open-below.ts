import { isTerminal, type TaskRunRecord } from "@ferry/sdk";
import { transition, type ExecutionState } from "./execution-state.js";

/**
 * Ends every task run still open below a flowable's run in `endState`: a worker holding one is
 * told to stop (its late answer is refused, the run having ended), a child execution is killed,
 * a wait (Sleep, Pause) is settled. Used when a flowable's timeout passes (KILLED) and when a
 * branch's failure stops its siblings (Parallel `failFast`, Dag `onChildFailure`).
 */
export function endOpenBelow(state: ExecutionState, rootId: string, endState: "KILLED" | "CANCELLED" | "FAILED"): void {
  const below = new Set([rootId]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of state.taskRuns) {
      if (r.parentTaskRunId && below.has(r.parentTaskRunId) && !below.has(r.id)) {
        below.add(r.id);
        grew = true;
      }
    }
  }
  below.delete(rootId);
  for (const r of state.taskRuns) {
    if (!below.has(r.id) || isTerminal(r.state.current)) continue;
    stopRun(state, r, endState);
  }
}

function stopRun(state: ExecutionState, r: TaskRunRecord, endState: "KILLED" | "CANCELLED" | "FAILED"): void {
  if (r.subflowExecutionId) state.childKills.push(r.subflowExecutionId);
  else if (!r.planUri && r.attempts.length) {
    state.workerKills.push({ taskRunId: r.id, attempt: r.attempts.length - 1 });
    const attempt = r.attempts[r.attempts.length - 1];
    if (!isTerminal(attempt.state.current)) transition(attempt.state, endState);
  }
  state.pauseSettles.push(r.id);
  state.setRunState(r, endState);
}
