import type { TaskSpec } from "@ferry/core";
import { type FlowablePlan, type TaskRunRecord } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { planKey, recordsPrefix, rewrittenKey } from "../storage-keys.js";
import type { ExecutionState } from "./execution-state.js";
import { leavePause } from "./pause.js";
import { restartApproval, restartLoopWait } from "./restart-paused-waits.js";
import { outcomeState } from "./task-outcome.js";

/**
 * Restarting a PAUSED execution, as Kestra does it. Kestra's State.isRestartable is
 * `isFailed() || isPaused()`; ExecutionService.restart restarts the task runs that failed or are
 * paused (`isFailed() || isPaused()`, with their ancestors) and mapTaskRun puts a flowable one —
 * a Pause is a FlowableTask — RUNNING, its PAUSED entry kept in its history. The execution goes
 * RESTARTED (its previous state PAUSED: State.isResumingAfterPause), keeps its concurrency slot
 * (JdbcExecutor checks the limit for `CREATED || failedThenRestarted()` only), and
 * ExecutorService.handleRestart moves it RUNNING. The Pause then no longer needs to pause
 * (Pause.needPause: a PAUSED in its history) and Pause.resolveState ends it by its `behavior`:
 * RESUME SUCCESS (its `tasks` first, when it has some), WARN WARNING; FAIL and CANCEL throw
 * "cannot be handled at this stage", which the executor's childWorkerTaskResult turns into a
 * FAILED task run. No `onResume` outputs: the restart does not pass through markAs.
 */

/** a Pause's `behavior` (Kestra's Pause.Behavior; RESUME when absent) */
const behaviorOf = (task: TaskSpec | undefined) => ((task as { behavior?: string } | undefined)?.behavior ?? "RESUME") as "RESUME" | "WARN" | "FAIL" | "CANCEL";

/**
 * A paused task run in a restart: a Pause RUNNING again, or FAILED for a FAIL or CANCEL behavior
 * (see above); an Approval or a loop waiting its interval as restart-paused-waits.ts says.
 */
export async function restartPausedRun(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, store: JsonStore): Promise<void> {
  const plan = run.planUri ? await store.read<FlowablePlan>(run.planUri) : undefined;
  if (plan?.approval && !plan.approval.decision) return restartApproval(state, run, plan, store);
  if (plan?.loop?.waitingSince) return restartLoopWait(state, run, plan, store);
  const behavior = behaviorOf(task);
  state.pauseSettles.push(run.id);
  if (behavior === "FAIL" || behavior === "CANCEL") {
    state.log("ERROR", `Unable to resolve state from the Flowable task: The ${behavior} cannot be handled at this stage, this is certainly a bug!`, run);
    state.setRunState(run, outcomeState(task, "FAILED"));
    return;
  }
  if (behavior === "WARN" && plan?.pause) {
    // the task run ends WARNING at best, as a WARN pause that elapsed (walker.ts reads it)
    plan.pause = { ...plan.pause!, warned: true };
    // the run points at what was written: in a restart copy (`?revision`) under the copy's own prefix
    run.planUri = await store.write(rewrittenKey(planKey(recordsPrefix(state.execution), run.taskId, run.id), run.planUri), plan);
  }
  leavePause(state, run);
}
