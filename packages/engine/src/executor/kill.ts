import { isTerminal } from "@ferry/sdk";
import { transition, type ExecutionState } from "./execution-state.js";
import { isWorkerFlowable } from "./flowable-attempt.js";
import type { Walker } from "./walker.js";
import { walkAfterExecution } from "./after-execution.js";

/**
 * One pass of killing: task runs not yet on a worker end KILLED at once, workers are told
 * to stop the running ones (they answer KILLED), child executions are killed, and the
 * execution ends KILLED when nothing runs any more.
 */
export async function killPass(state: ExecutionState, walker: Walker): Promise<void> {
  let running = false;
  for (const run of state.taskRuns) {
    const s = run.state.current;
    if (isTerminal(s)) continue;
    if (run.subflowExecutionId) {
      // a Kill task with propagateKill false leaves its child executions running (they were all sent a kill when true)
      if (state.execution.killChildren === undefined) state.childKills.push(...(await walker.childExecutionsOf(run)));
      state.setRunState(run, "KILLED");
    } else if (run.planUri) {
      // a Loop's iterations are sub-executions: they are killed with it (it ends below, having no task run under it)
      if (!isWorkerFlowable(run)) state.childKills.push(...(await walker.openIterations(run)));
      // a WorkingDirectory's worker stops its children; other flowables end once their children have, below
      const attempt = isWorkerFlowable(run) ? run.attempts[run.attempts.length - 1] : undefined;
      if (attempt && !isTerminal(attempt.state.current)) {
        state.workerKills.push({ taskRunId: run.id, attempt: run.attempts.length - 1 });
        if (attempt.state.current === "RUNNING") running = true;
        else transition(attempt.state, "KILLED");
      }
      continue;
    } else {
      // queued attempts may already sit in a worker's queue: tell workers never to start them
      if (run.attempts.length) state.workerKills.push({ taskRunId: run.id, attempt: run.attempts.length - 1 });
      if (s === "RUNNING") {
        running = true;
        continue;
      }
      const attempt = run.attempts[run.attempts.length - 1];
      if (attempt && !isTerminal(attempt.state.current)) transition(attempt.state, "KILLED");
      state.setRunState(run, "KILLED");
    }
  }
  // re-walk without starting anything so flowables whose children all ended close
  for (const list of [state.flow.tasks, state.flow.errors, state.flow.finally]) await walker.walkList(list, undefined, undefined, false);
  // open children counted once, not looked for per flowable: a ForEach of Sequentials has as many flowables as values
  const openChildren = new Map<string, number>();
  for (const run of state.taskRuns) {
    if (run.parentTaskRunId && !isTerminal(run.state.current)) openChildren.set(run.parentTaskRunId, (openChildren.get(run.parentTaskRunId) ?? 0) + 1);
  }
  // until nothing changes: a flowable listed before the child that just closed (a Parallel before its Sleep) closes on the next round
  for (let changed = true; changed; ) {
    changed = false;
    for (const run of state.taskRuns) {
      if (!isTerminal(run.state.current) && run.planUri && !openChildren.get(run.id)) {
        state.setRunState(run, "KILLED");
        changed = true;
        if (run.parentTaskRunId) openChildren.set(run.parentTaskRunId, (openChildren.get(run.parentTaskRunId) ?? 1) - 1);
      }
    }
  }
  if (!running && state.taskRuns.every((r) => isTerminal(r.state.current))) {
    state.setExecutionState("KILLED");
    // ended once its afterExecution tasks, which run whatever the end, ended too
    await walkAfterExecution(state, walker);
  }
}
