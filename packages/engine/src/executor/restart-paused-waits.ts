import type { FlowablePlan, TaskRunRecord } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { loopOutputsKey, planKey, recordsPrefix, rewrittenKey } from "../storage-keys.js";
import { forgetProgress } from "./branch-progress.js";
import type { ExecutionState } from "./execution-state.js";
import { saveLoopPlan } from "./loop-until.js";
import { leavePause } from "./pause.js";

/*
 * The other PAUSED task runs a restart meets besides a Pause, as Kestra's ExecutionService.restart
 * treats them: every PAUSED task run is restarted (`isFailed() || isPaused()`) and mapTaskRun puts
 * a flowable one — an Approval, a LoopUntil — RUNNING, its PAUSED kept in its history. Nothing
 * refuses them; what follows is each task's own code meeting a RUNNING run that paused before.
 */

/**
 * An undecided Approval. Approval.isWaiting is `RUNNING && no PAUSED in the history`: false now, so
 * its onWait is not run again and it does not pause again; with no decision, childTasks is empty
 * (neither onApprove nor onDeny runs), resolveNexts schedules its `finally`, and resolveState takes
 * the empty branch's state (guessFinalState: SUCCESS) with no behavior applied (behaviors map a
 * decision). Its expiry no longer applies (the run is not PAUSED: the wake-up is settled); its
 * outputs stay as they were, without a decision.
 */
export async function restartApproval(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, store: JsonStore): Promise<void> {
  plan.branches = [];
  // the run points at what was written: in a restart copy (`?revision`) under the copy's own prefix
  run.planUri = await store.write(rewrittenKey(planKey(recordsPrefix(state.execution), run.taskId, run.id), run.planUri), plan);
  forgetProgress(run);
  state.log("INFO", "restarted without a review: the Approval ends with no decision, neither onApprove nor onDeny runs", run);
  leavePause(state, run);
}

/**
 * A LoopUntil (WaitFor) waiting its interval. Kestra counts the next iteration when it pauses
 * (`waitFor.outputs(previousOutput)`: iterationCount + 1), so the count it holds while waiting is
 * the iteration to come; Ferry counts it when the wait ends, so it is counted here. RUNNING again,
 * the run meets ExecutorService's LoopUntil step: its iteration's children all ended
 * (childTaskRunExecuted), so nextExecutionDate checks the maximums, then the condition, now: a
 * maximum reached ends it (FAILED with failOnMaxReached), a truthy condition ends it SUCCESS, a
 * falsy one pauses it again (pauseFlowable) for a whole interval from now, counting one more.
 * The wait it was in is settled: Kestra leaves that delay armed, and when it fires its
 * retryWaitFor would start an iteration beside the new wait's — one wait is kept.
 */
export async function restartLoopWait(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, store: JsonStore): Promise<void> {
  const loop = plan.loop!;
  loop.iteration++;
  delete loop.waitingSince;
  await saveLoopPlan(state, run, plan, store);
  run.outputsUri = await store.write(loopOutputsKey(recordsPrefix(state.execution), run.taskId, run.id, loop.iteration), { iterationCount: loop.iteration });
  forgetProgress(run);
  state.log("INFO", `restarted while waiting its interval: the condition is checked again now (iteration ${loop.iteration})`, run);
  leavePause(state, run);
}
