import type { TaskSpec } from "@ferry/core";
import type { TaskRunRecord } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import type { ExecutionState } from "./execution-state.js";
import { isWorkerFlowable } from "./flowable-attempt.js";
import { retryFailedChildren } from "./subflow-restart.js";
import { restartIterations } from "./loop-iterations.js";

export interface RestartDeps {
  dispatch(run: TaskRunRecord): void;
  taskOf(run: TaskRunRecord): TaskSpec | undefined;
  store: JsonStore;
}

/**
 * Restarts a FAILED or KILLED execution where it failed, as Kestra does: failed runnable
 * task runs get a new attempt, failed flowables resume, task runs that never ran and the
 * `errors`/`finally` branches are dropped so they run afresh. A failed Subflow or ForEachItem
 * restarts its failed child executions, or starts new ones, as its `restartBehavior` says.
 */
export async function restart(state: ExecutionState, deps: RestartDeps): Promise<void> {
  const { dispatch } = deps;
  state.setExecutionState("RUNNING"); // first: nothing is dispatched for an ended execution
  // as Kestra's ExecutionService.restart marks it: a label, and the next attempt of the execution
  state.execution.labels = { ...state.execution.labels, "system.restarted": "true" };
  state.execution.attemptNumber = (state.execution.attemptNumber ?? 1) + 1;
  const handlerIds = new Set<string>();
  const collect = (tasks: TaskSpec[] | undefined) => tasks?.forEach((t) => handlerIds.add(t.id));
  collect(state.flow.errors);
  collect(state.flow.finally);
  collect(state.flow.afterExecution);
  const drop = new Set<string>();
  for (const run of state.taskRuns) {
    if (!run.parentTaskRunId && handlerIds.has(run.taskId)) drop.add(run.id);
  }
  dropChildren(state, drop);
  for (const run of state.taskRuns) {
    if (drop.has(run.id)) continue;
    const s = run.state.current;
    if (s !== "FAILED" && s !== "KILLED") continue;
    // a WorkingDirectory (a flowable with attempts) runs again whole, on one worker
    if (isWorkerFlowable(run)) dispatch(run);
    else if (run.planUri) {
      state.setRunState(run, "RUNNING");
      // a Loop: its failed iterations' sub-executions are restarted
      await restartIterations(state, run, deps.store);
    }
    else if (run.subflowExecutionId && (await retryFailedChildren(state, run, deps.taskOf(run), deps.store))) continue;
    else if (run.subflowExecutionId || run.attempts.length === 0 || run.attempts.every((a) => !a.state.histories.some((h) => h.state === "RUNNING"))) drop.add(run.id);
    else dispatch(run);
  }
  state.remove(drop);
  state.execution.outputsUri = undefined;
  state.log("INFO", "execution restarted");
}

/** children of dropped runs go too */
function dropChildren(state: ExecutionState, drop: Set<string>): void {
  let grew = true;
  while (grew) {
    grew = false;
    for (const run of state.taskRuns) {
      if (run.parentTaskRunId && drop.has(run.parentTaskRunId) && !drop.has(run.id)) {
        drop.add(run.id);
        grew = true;
      }
    }
  }
}
