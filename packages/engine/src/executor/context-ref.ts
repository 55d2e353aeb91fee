import { isTerminal } from "@ferry/sdk";
import type { ContextRef, OutputRef } from "../messages.js";
import type { ExecutionState } from "./execution-state.js";

/** The pointers a task of this execution renders against: inputs, trigger, outputs so far. */
export function contextRefOf(state: ExecutionState): ContextRef {
  const { execution, flow } = state;
  const outputs: OutputRef[] = [];
  for (const run of state.taskRuns) {
    if (run.outputsUri && (isTerminal(run.state.current) || run.planUri)) {
      const values = run.value === undefined ? [] : [...state.parentValues(run).reverse(), run.value];
      outputs.push({ taskId: run.taskId, ...(values.length ? { values } : {}), uri: run.outputsUri });
    }
  }
  return {
    flow: { id: flow.id, namespace: flow.namespace, revision: execution.flowRevision },
    variables: flow.variables,
    ...(execution.variablesUri ? { variablesUri: execution.variablesUri } : {}),
    execution: { id: execution.id, startDate: execution.state.startDate, originalId: execution.originalId ?? execution.id, state: execution.state.current },
    labels: execution.labels,
    inputsUri: execution.inputsUri,
    ...(execution.outputsUri ? { executionOutputsUri: execution.outputsUri } : {}),
    triggerUri: execution.trigger?.variablesUri,
    outputs,
    ...(execution.storagePrefix ? { filesPrefix: execution.storagePrefix } : {}),
  };
}
