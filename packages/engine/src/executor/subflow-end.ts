import { renderValue, type TaskSpec } from "@ferry/core";
import { errorMessage, isTerminal, type ExecutionRecord, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import { buildRenderContext } from "../context.js";
import type { FlowStore } from "../flow-store.js";
import type { JsonStore } from "../json-store.js";
import { recordsPrefix, rewrittenKey, taskOutputsKey } from "../storage-keys.js";
import { contextRefOf } from "./context-ref.js";
import { ExecutionState, transition } from "./execution-state.js";
import { retryFailedRun } from "./retry-scope.js";
import { outcomeState } from "./task-outcome.js";

export interface SubflowEndDeps {
  store: JsonStore;
  flows: FlowStore;
  taskOf(run: TaskRunRecord): TaskSpec | undefined;
}

/**
 * A Subflow task run's child ended: its outputs are `{executionId, state, outputs}` (the
 * child's declared outputs, or the task's deprecated `outputs` map rendered against the
 * child execution, as Kestra's Subflow.createSubflowExecutionResult does), and its state
 * the child's as `transmitFailed`, `allowFailure` and `allowWarning` make it. A failure the
 * retry policy covers starts a new child. A child that ended RETRIED is followed by its retry
 * in a new execution, which the run waits for.
 */
export async function subflowEnded(state: ExecutionState, run: TaskRunRecord, child: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] }, deps: SubflowEndDeps, late = false): Promise<void> {
  const { execution } = child;
  const childState = execution.state.current;
  if (childState === "RETRIED") return;
  // a late end event of a child restarted since (restartBehavior RETRY_FAILED): it will end again
  if (!isTerminal(childState)) return;
  const task = deps.taskOf(run);
  const outputs = task?.wait === false || task?.wait === "false" ? undefined : await childOutputs(state, run, child, task, deps);
  run.outputsUri = await deps.store.write(rewrittenKey(taskOutputsKey(recordsPrefix(state.execution), run.taskId, run.id), run.outputsUri), {
    executionId: execution.id,
    state: childState,
    ...(outputs && outputs !== "failed" ? { outputs } : {}),
  });
  const transmit = task?.transmitFailed !== false && task?.transmitFailed !== "false";
  let result: TaskRunState = "SUCCESS";
  if (outputs === "failed") result = "FAILED";
  else if (transmit && (childState === "FAILED" || childState === "KILLED")) {
    state.log("ERROR", `subflow execution ${execution.id} ended ${childState}`, run);
    result = childState === "KILLED" ? "KILLED" : "FAILED";
  } else if (childState === "WARNING") result = "WARNING";
  const attempt = run.attempts[run.attempts.length - 1];
  if (attempt && (late || !isTerminal(attempt.state.current))) transition(attempt.state, result);
  if (!late && result === "FAILED" && state.execution.state.current !== "KILLING" && retryFailedRun(state, run, task, deps.taskOf)) return;
  state.setRunState(run, outcomeState(task, result));
}

/**
 * A child that ends again after its parent ended (it was restarted or had a task run marked,
 * ChangeStateTestCase.changeStateInSubflowShouldEndsParentFlowInSuccess): as Kestra's executor
 * applies the child's SubflowExecutionResult to the ended parent, the Subflow task run takes the
 * child's new end (and its outputs), and the parent stays as it ended (Kestra's test asserts
 * FAILED and notes that it should become SUCCESS one day), nothing run again. Answers whether the run changed.
 */
export async function lateSubflowEnd(state: ExecutionState, event: { taskRunId: string; childExecutionId: string }, child: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined, deps: SubflowEndDeps): Promise<boolean> {
  const run = state.byId(event.taskRunId);
  if (!run || !child || run.subflowExecutionId !== event.childExecutionId || !isTerminal(run.state.current)) return false;
  // a Subflow that does not wait took no end of its child in the first place (Kestra sends it no SubflowExecutionResult)
  const task = deps.taskOf(run);
  if (task?.wait === false || task?.wait === "false") return false;
  const ended = child.execution.state.current;
  if (!isTerminal(ended) || ended === "RETRIED") return false;
  const before = run.state.current;
  await subflowEnded(state, run, child, deps, true);
  if (run.state.current === before) return false;
  state.log("INFO", `subflow execution ${child.execution.id} ended ${ended} after this execution ended ${state.execution.state.current}: task run ${run.taskId} takes it (${before} → ${run.state.current}), the execution stays ${state.execution.state.current}`, run);
  return true;
}

/** the child's outputs, or "failed" when the deprecated `outputs` map does not render */
async function childOutputs(
  state: ExecutionState,
  run: TaskRunRecord,
  child: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] },
  task: TaskSpec | undefined,
  deps: SubflowEndDeps,
): Promise<Record<string, unknown> | "failed" | undefined> {
  const { execution } = child;
  try {
    if (execution.outputsUri) return await deps.store.read(execution.outputsUri);
    const legacy = task?.outputs as Record<string, unknown> | undefined;
    if (!legacy || (execution.state.current !== "SUCCESS" && execution.state.current !== "WARNING")) return undefined;
    const flow = await deps.flows.get(execution.namespace, execution.flowId, execution.flowRevision);
    if (flow.outputs?.length) return undefined;
    // rendered against the child execution: `outputs.*` are the child's task outputs
    const ctx = await buildRenderContext(contextRefOf(new ExecutionState(execution, child.taskRuns, flow)), deps.store);
    return (await renderValue(legacy, ctx)) as Record<string, unknown>;
  } catch (error) {
    state.log("ERROR", `Failed to extract outputs with the error: '${errorMessage(error)}'`, run);
    return "failed";
  }
}
