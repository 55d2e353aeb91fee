import { isTerminal, type TaskRunRecord } from "@ferry/sdk";
import type { ExecutionState } from "./execution-state.js";
import type { Walker } from "./walker.js";

/**
 * Kestra's `afterExecution`: tasks that run once the execution has ended, whatever its
 * state, and do not change it. The execution shows its final state (and end date) while
 * they run; it is over, for a parent waiting on it, once they ended too.
 */

/** a task run of the flow's `afterExecution` list (or below one of them) */
export function inAfterExecution(state: ExecutionState, run: TaskRunRecord): boolean {
  const ids = new Set((state.flow.afterExecution ?? []).map((t) => t.id));
  if (!ids.size) return false;
  let root = run;
  for (let p = run.parentTaskRunId ? state.byId(run.parentTaskRunId) : undefined; p; p = p.parentTaskRunId ? state.byId(p.parentTaskRunId) : undefined) root = p;
  return ids.has(root.taskId);
}

/** an ended execution whose afterExecution tasks have not all ended (or not all started) */
export function afterExecutionPending(state: ExecutionState): boolean {
  const tasks = (state.flow.afterExecution ?? []).filter((t) => !t.disabled);
  if (!tasks.length || !isTerminal(state.execution.state.current)) return false;
  return tasks.some((t) => {
    const run = state.find(t.id, undefined, undefined);
    return !run || !isTerminal(run.state.current) || state.taskRuns.some((r) => !isTerminal(r.state.current) && inAfterExecution(state, r));
  });
}

/**
 * Walks the afterExecution list of an ended execution (listeners' tasks first), one task after
 * another; ends the execution's processing (`ended`) once they all ended. A task that failed
 * or was killed does not stop the ones after it, nor change the execution: Kestra's
 * handleAfterExecution resolves both lists with FlowableUtils.resolveSequentialNexts(execution,
 * tasks), which drops only disabled tasks (no errors branch) and starts the next task once the
 * last one is terminated, whatever its state (ListenersTest.failedMultipleListeners).
 */
export async function walkAfterExecution(state: ExecutionState, walker: Walker): Promise<void> {
  for (const task of state.flow.afterExecution ?? []) {
    // one task at a time: a list walk would stop at a failed one
    const status = await walker.walkList([task], undefined, undefined, true, true);
    if (status === "running") {
      state.ended = false;
      return;
    }
  }
  state.ended = true;
}
