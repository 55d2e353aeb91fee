import type { Flow } from "@ferry/core";
import type { ExecutionRecord } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";

/**
 * An execution's variables (`vars`): what SetVariables/UnsetVariables last stored, else the
 * flow's `variables`, as Kestra's RunVariables prefers execution variables to the flow's.
 */
export async function executionVariables(execution: Pick<ExecutionRecord, "variablesUri">, flow: Pick<Flow, "variables">, store: JsonStore): Promise<Record<string, unknown>> {
  if (execution.variablesUri) return store.read<Record<string, unknown>>(execution.variablesUri);
  return flow.variables ?? {};
}
