import type { TaskSpec } from "@ferry/core";
import type { TaskRunRecord } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import type { ExecutionState } from "./execution-state.js";
import { isWorkerFlowable } from "./flowable-attempt.js";
import { retryFailedChildren } from "./subflow-restart.js";
import { restartIterations } from "./loop-iterations.js";
import { restartPausedRun } from "./restart-paused.js";

export interface RestartDeps {
  taskOf(run: TaskRunRecord): TaskSpec | undefined;
  store: JsonStore;
}

/**
 * Restarts a FAILED, KILLED or PAUSED execution where it failed or waits (restart-paused.ts), as Kestra's ExecutionService.restart
 * does: the execution and the runs to run again go RESTARTED (what the restart answers), task
 * runs that never ran and the `errors`/`finally` branches are dropped so they run afresh, failed
 * flowables resume (RUNNING). A failed Subflow or ForEachItem restarts its failed child
 * executions, or starts new ones, as its `restartBehavior` says. The executor's next step
 * (startRestarted, Kestra's handleRestart) moves the execution to RUNNING and gives each
 * RESTARTED run its next attempt.
 */
export async function restart(state: ExecutionState, deps: RestartDeps): Promise<void> {
  // (one that waited QUEUED for its slot was RESTARTED before it: it goes on to RUNNING from the queue)
  if (state.execution.state.current !== "QUEUED") state.setExecutionState("RESTARTED");
  // as Kestra's ExecutionService.restart marks it: a label, and the next attempt of the execution
  state.execution.labels = { ...state.execution.labels, "system.restarted": "true" };
  state.execution.attemptNumber = (state.execution.attemptNumber ?? 1) + 1;
  const drop = handlerRuns(state);
  for (const run of state.taskRuns) {
    if (drop.has(run.id)) continue;
    const s = run.state.current;
    if (s === "PAUSED") await restartPausedRun(state, run, deps.taskOf(run), deps.store);
    if (s !== "FAILED" && s !== "KILLED") continue;
    // a WorkingDirectory (a flowable with attempts) runs again whole, on one worker
    if (isWorkerFlowable(run)) state.setRunState(run, "RESTARTED");
    else if (run.planUri) {
      state.setRunState(run, "RUNNING");
      // a Loop: its failed iterations' sub-executions are restarted
      await restartIterations(state, run, deps.store);
    }
    else if (run.subflowExecutionId && (await retryFailedChildren(state, run, deps.taskOf(run), deps.store))) continue;
    else if (run.subflowExecutionId || run.attempts.length === 0 || run.attempts.every((a) => !a.state.histories.some((h) => h.state === "RUNNING"))) drop.add(run.id);
    else state.setRunState(run, "RESTARTED");
  }
  state.remove(drop);
  state.execution.outputsUri = undefined;
  state.log("INFO", "execution restarted");
}

/** the runs of the flow's `errors`, `finally` and `afterExecution` tasks, with their children: dropped to run afresh */
export function handlerRuns(state: ExecutionState): Set<string> {
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
  return drop;
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

/**
 * Kestra's ExecutorService.handleRestart, the step after a restart, a replay from a task run or
 * a markAs: the RESTARTED execution goes RUNNING (the caller took or checked its concurrency
 * slot) and each RESTARTED task run gets its next attempt.
 */
export function startRestarted(state: ExecutionState, dispatch: (run: TaskRunRecord) => void): void {
  // a replay's execution may have waited QUEUED for a concurrency slot first
  if (state.execution.state.current === "RESTARTED") state.log("INFO", "Flow restarted");
  state.setExecutionState("RUNNING");
  for (const run of state.taskRuns) if (run.state.current === "RESTARTED") dispatch(run);
}

/**
 * Kestra's State.isRestartable (`isFailed() || isPaused()`, KILLED counted with FAILED): why an
 * execution in any other state cannot restart (a 409), or undefined when it can.
 */
export function notRestartable(execution: { id: string; state: { current: string } }): string | undefined {
  const s = execution.state.current;
  return s === "FAILED" || s === "KILLED" || s === "PAUSED" ? undefined : `execution ${execution.id} is ${s}; only FAILED, KILLED or PAUSED executions restart`;
}
