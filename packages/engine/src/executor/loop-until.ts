import { renderValue, tasksAtPath, type RenderContext, type TaskSpec } from "@ferry/core";
import { errorMessage, isTerminal, type FlowableLoop, type FlowablePlan, type TaskRunRecord } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { loopOutputsKey, loopPlanKey, recordsPrefix } from "../storage-keys.js";
import { forgetProgress } from "./branch-progress.js";
import { plusStatistic, statisticOf } from "./loop-iterations.js";
import type { ExecutionState } from "./execution-state.js";

/** Kestra's TruthUtils: falsy when null, '', 'false', '0' or '-0' */
const truthy = (value: unknown) => value !== null && value !== undefined && !["", "false", "0", "-0"].includes(String(value).trim().toLowerCase());

/** what a loop does once an iteration's children all ended without failing */
export type LoopVerdict = "again" | "done" | "failed";

/**
 * Kestra's LoopUntil after an iteration (resolveState / nextExecutionDate): the maximums are
 * checked first, so a maximum reached ends the loop whatever the condition says (FAILED with
 * failOnMaxReached); otherwise a truthy condition ends it, and a falsy one makes it wait its
 * interval, PAUSED with its execution (Kestra's pauseFlowable), on a durable wake-up.
 */
export async function afterIteration(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, store: JsonStore, renderContext: () => Promise<RenderContext>): Promise<LoopVerdict> {
  const loop = plan.loop!;
  const reached = maximumReached(run, loop);
  if (reached) {
    state.log("WARN", reached, run);
    return loop.failOnMaxReached ? "failed" : "done";
  }
  let holds: boolean;
  try {
    holds = truthy(await renderValue(loop.condition, await renderContext()));
  } catch (error) {
    state.log("ERROR", `condition: ${errorMessage(error)}`, run);
    return "failed";
  }
  if (holds) return "done";
  loop.waitingSince = new Date().toISOString();
  await saveLoopPlan(state, run, plan, store);
  state.setRunState(run, "PAUSED");
  if (state.execution.state.current === "RUNNING") state.setExecutionState("PAUSED");
  state.pauseWakeups.push({ taskRunId: run.id, delayMs: loop.intervalMs });
  return "again";
}

/** a new version of the plan under its own key, the task run pointing at it (the repository holds the pointer, so every executor reads the current one) */
export async function saveLoopPlan(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, store: JsonStore): Promise<void> {
  const loop = plan.loop!;
  run.planUri = await store.write(loopPlanKey(recordsPrefix(state.execution), run.taskId, run.id, loop.iteration * 2 + (loop.waitingSince ? 1 : 0)), plan);
  state.touch(run);
}

/** Kestra's messages; the duration counts from the loop's start */
function maximumReached(run: TaskRunRecord, loop: FlowableLoop): string | undefined {
  if (loop.maxIterations !== undefined && loop.iteration >= loop.maxIterations) return "Max iterations reached";
  if (loop.maxDurationMs !== undefined && Date.parse(run.state.startDate) + loop.maxDurationMs < Date.now()) return "Max duration reached";
  return undefined;
}

/** a looping task run waiting for its next iteration */
export const loopWaiting = (run: TaskRunRecord, plan: FlowablePlan) => run.state.current === "PAUSED" && Boolean(plan.loop?.waitingSince);

/**
 * The interval passed (Kestra's retryWaitFor): the last iteration's task runs are dropped, so
 * `outputs.<child>` and the task run list show one iteration, the one running; the
 * iteration count goes up by one and the loop runs again. One not yet due is armed again.
 */
export async function checkLoopWait(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, store: JsonStore, only: boolean): Promise<void> {
  const loop = plan.loop!;
  const remaining = Date.parse(loop.waitingSince!) + loop.intervalMs - Date.now();
  if (remaining > 0) {
    if (only) state.pauseSettles.push(run.id);
    state.pauseWakeups.push({ taskRunId: run.id, delayMs: remaining });
    return;
  }
  state.pauseSettles.push(run.id);
  const dropped = descendantsOf(state, run.id);
  // Kestra folds the discarded iteration's task runs into the execution's taskRunStatistic (ExecutionMetadata; LoopCaseTest.loopWithLoopUntil)
  state.execution.discardedTaskRuns = plusStatistic(state.execution.discardedTaskRuns, statisticOf(state.taskRuns.filter((r) => dropped.has(r.id))));
  state.touch();
  state.remove(dropped);
  forgetProgress(run);
  loop.iteration++;
  delete loop.waitingSince;
  await saveLoopPlan(state, run, plan, store);
  run.outputsUri = await store.write(loopOutputsKey(recordsPrefix(state.execution), run.taskId, run.id, loop.iteration), { iterationCount: loop.iteration });
  state.setRunState(run, "RUNNING");
  // as Kestra's resetAttempts: the loop's own history keeps its start and this iteration, not two entries per iteration forever
  run.state.histories = [run.state.histories[0], run.state.histories[run.state.histories.length - 1]];
  if (state.execution.state.current === "PAUSED" && !state.taskRuns.some((r) => r.state.current === "PAUSED")) state.setExecutionState("RUNNING");
}

function descendantsOf(state: ExecutionState, rootId: string): Set<string> {
  const ids = new Set<string>([rootId]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const r of state.taskRuns) {
      if (r.parentTaskRunId && ids.has(r.parentTaskRunId) && !ids.has(r.id)) {
        ids.add(r.id);
        grew = true;
      }
    }
  }
  ids.delete(rootId);
  return ids;
}


/**
 * Remembers a loop's iteration for this event, so that its first child's `taskrun.iteration`
 * says it, as Kestra's toNextTaskRunIncrementIteration sets it on that run alone.
 */
export function noteLoop(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, task: TaskSpec | undefined): void {
  if (!plan.loop) return;
  const firstTaskId = task ? tasksAtPath(task, ["tasks"]).find((t) => !t.disabled)?.id : undefined;
  state.loops.set(run.id, { iteration: plan.loop.iteration, firstTaskId });
}

/** a task run sent to a worker again outside a walk (a retry, a lost attempt): its loop, if any, is read first */
export async function noteLoopOf(state: ExecutionState, child: TaskRunRecord, store: JsonStore, taskOf: (run: TaskRunRecord) => TaskSpec | undefined): Promise<void> {
  const parent = child.parentTaskRunId ? state.byId(child.parentTaskRunId) : undefined;
  if (!parent?.planUri || state.loops.has(parent.id) || isTerminal(parent.state.current)) return;
  noteLoop(state, parent, await store.read<FlowablePlan>(parent.planUri), taskOf(parent));
}
