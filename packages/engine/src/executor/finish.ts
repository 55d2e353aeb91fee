import { typeOutputs } from "@ferry/core";
import { errorMessage, isTerminal, type ExecutionState as ExecState, type FlowablePlan, type TaskRunRecord } from "@ferry/sdk";
import { buildRenderContext } from "../context.js";
import type { JsonStore } from "../json-store.js";
import { flowOutputsKey, recordsPrefix } from "../storage-keys.js";
import { contextRefOf } from "./context-ref.js";
import { outputNeedsOf } from "./output-needs.js";
import type { ExecutionState } from "./execution-state.js";
import type { Walker } from "./walker.js";
import { walkAfterExecution } from "./after-execution.js";
import { renderFlowOutputs } from "./flow-outputs.js";
import { endIteration } from "./loop-execution.js";

/**
 * Runs the flow's lists in order — `tasks`, then `errors` if they failed, then `finally`
 * — and ends the execution when the last one ends, with its declared outputs rendered.
 */
export async function finishIfDone(state: ExecutionState, walker: Walker, store: JsonStore): Promise<void> {
  const { flow } = state;
  // an Exit task or an SLA may end the execution, or ask for its kill, during any walk: its afterExecution tasks then remain
  const killing = () => state.execution.state.current === "KILLING";
  const ended = () => isTerminal(state.execution.state.current);
  if (ended()) return walkAfterExecution(state, walker);
  if (state.execution.endsAs) return endAsDecided(state, walker, state.execution.endsAs, store);
  const main = await walker.walkList(flow.tasks, undefined, undefined);
  if (state.execution.endsAs) return endAsDecided(state, walker, state.execution.endsAs, store);
  if (killing()) return;
  if (ended()) return walkAfterExecution(state, walker);
  if (main === "running") return;
  if (main === "failed" && flow.errors?.length) {
    const handled = await walker.walkList(flow.errors, undefined, undefined);
    if (killing()) return;
    if (ended()) return walkAfterExecution(state, walker);
    if (handled === "running") return;
  }
  let final: ExecState = main === "killed" ? "KILLED" : main === "failed" ? "FAILED" : main === "warning" ? "WARNING" : "SUCCESS";
  if (flow.finally?.length && main !== "killed") {
    const after = await walker.walkList(flow.finally, undefined, undefined);
    if (killing()) return;
    if (ended()) return walkAfterExecution(state, walker);
    if (after === "running") return;
    if (after === "failed" || after === "killed") final = "FAILED";
    else if (after === "warning" && final === "SUCCESS") final = "WARNING";
  }
  if ((final === "SUCCESS" || final === "WARNING") && flow.outputs?.length) {
    try {
      const ctx = await buildRenderContext(contextRefOf(state, outputNeedsOf(flow.outputs), undefined, flow.outputs), store);
      const rendered = await renderFlowOutputs(flow.outputs, ctx, state);
      const typed = typeOutputs(flow.outputs, rendered);
      state.execution.outputsUri = await store.write(flowOutputsKey(recordsPrefix(state.execution), state.execution.attemptNumber), typed);
    } catch (error) {
      state.log("ERROR", `Failed to render output values: ${errorMessage(error)}`);
      final = "FAILED";
    }
  }
  // a Loop's iteration: its Loop's declared outputs, rendered against it
  if (state.execution.kind === "LOOP") final = await endIteration(state, final, store);
  state.setExecutionState(final);
  await walkAfterExecution(state, walker);
}

/** a task decided how the execution ends (an Approval's SUCCEED or CANCEL): the flow's finally runs, then it ends so */
async function endAsDecided(state: ExecutionState, walker: Walker, endsAs: "SUCCESS" | "CANCELLED", store: JsonStore): Promise<void> {
  let final: ExecState = endsAs;
  if (state.flow.finally?.length) {
    // started although the execution's end is decided (as afterExecution tasks start after it ended)
    const after = await walker.walkList(state.flow.finally, undefined, undefined, true, true);
    if (state.execution.state.current === "KILLING") return;
    if (isTerminal(state.execution.state.current)) return walkAfterExecution(state, walker);
    if (after === "running") return;
    if (after === "failed" || after === "killed") final = "FAILED";
  }
  // nothing new starts, but what a worker (or the executor's Sleep) still runs ends first, and is recorded: Kestra's
  // running sibling of an Approval that CANCELs ends SUCCESS (ApprovalTest.shouldLetARunningSiblingFinishWhenDenyBehaviorIsCancel)
  for (const run of state.taskRuns) if (await stillWorking(run, store)) return;
  // a flowable left open (a sibling Approval whose branch ended once the end was decided) ends CANCELLED: nothing more
  // of it runs, and an ended execution holds no open task run
  for (const run of state.taskRuns) {
    if (isTerminal(run.state.current)) continue;
    state.log("INFO", `the execution ends ${final}: ${run.taskId} ends CANCELLED`, run);
    state.setRunState(run, "CANCELLED");
  }
  state.setExecutionState(final);
  await walkAfterExecution(state, walker);
}

/**
 * a task run an attempt still works on: a worker's, or a Sleep that started (its wake-up ends it, pause.ts endSleep);
 * not another flowable's own attempt, which only a walk would end
 */
async function stillWorking(run: TaskRunRecord, store: JsonStore): Promise<boolean> {
  const attempt = run.attempts.at(-1);
  if (isTerminal(run.state.current) || run.state.current === "PAUSED" || !attempt || isTerminal(attempt.state.current)) return false;
  if (!attempt.flowable) return true;
  const sleep = run.planUri ? (await store.read<FlowablePlan>(run.planUri)).pause?.sleep : undefined;
  return Boolean(sleep?.since);
}
