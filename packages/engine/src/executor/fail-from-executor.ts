import { errorMessage, isTerminal } from "@ferry/sdk";
import { transition, type ExecutionState } from "./execution-state.js";
import { isWorkerFlowable } from "./flowable-attempt.js";
import type { Walker } from "./walker.js";

/**
 * The executor threw while handling an event of this execution (a bug, or data it rejects):
 * the event cannot be applied, and dropping it would leave the execution RUNNING for good.
 * As Kestra's `Execution.failedExecutionFromExecutor`: the last task run still open ends
 * FAILED on its last attempt, with the error logged against it, and the execution ends
 * FAILED. The other open task runs end KILLED as a kill ends them (workers told to stop
 * their attempts, child executions and Loop iterations killed), so nothing keeps running
 * for an execution that ended. Nothing is walked: the walk may be what threw.
 */
export async function failFromExecutor(state: ExecutionState, walker: Walker, event: string, error: unknown): Promise<void> {
  if (isTerminal(state.execution.state.current)) return;
  const open = state.taskRuns.filter((run) => !isTerminal(run.state.current));
  const last = open[open.length - 1];
  state.log("ERROR", `the executor failed the execution: handling its ${event} event threw: ${errorMessage(error)}`, last);
  for (const run of open) {
    const index = run.attempts.length - 1;
    const attempt = run.attempts[index];
    if (run.subflowExecutionId) state.childKills.push(...(await walker.childExecutionsOf(run)));
    else if (run.planUri && !isWorkerFlowable(run)) state.childKills.push(...(await walker.openIterations(run)));
    // an attempt sent to a worker (queued there or running): the worker is told to stop it; a flowable's own ends with its run
    if (attempt && !attempt.flowable && !isTerminal(attempt.state.current)) {
      state.workerKills.push({ taskRunId: run.id, attempt: index });
      transition(attempt.state, run === last ? "FAILED" : "KILLED");
    }
    state.setRunState(run, run === last ? "FAILED" : "KILLED");
  }
  state.setExecutionState("FAILED");
  state.ended = true;
}
