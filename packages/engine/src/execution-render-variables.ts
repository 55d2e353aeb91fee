import type { Flow } from "@ferry/core";
import type { ExecutionRecord, TaskRunRecord } from "@ferry/sdk";
import { buildRenderContext } from "./context.js";
import { contextRefOf } from "./executor/context-ref.js";
import { ExecutionState } from "./executor/execution-state.js";
import type { JsonStore } from "./json-store.js";

/**
 * What a template rendered against another, ended or running, execution reads of it: its
 * `execution`, its task `outputs` (nested under loop values, as a task of it reads them), its
 * `inputs` (SECRET ones masked) and its `labels`. Kestra renders a Flow trigger's `inputs` and
 * conditions with `runContextFactory.of(downstreamFlow, upstreamExecution)`
 * (FlowTriggerService.computeExecutionsFromFlowTriggers), so `{{ outputs.t.value }}` there reads
 * the upstream execution's task t (trigger-flow-listener.yaml, FlowTriggerCaseTest.trigger).
 */
export async function executionRenderVariables(execution: ExecutionRecord, taskRuns: TaskRunRecord[], store: JsonStore): Promise<Record<string, unknown>> {
  // only the execution's own records are read: its flow's variables and inputs are not (the caller's flow gives `vars`)
  const flow = { id: execution.flowId, namespace: execution.namespace, tasks: [] } as unknown as Flow;
  const { variables } = await buildRenderContext(contextRefOf(new ExecutionState(execution, taskRuns, flow)), store);
  const { execution: self, outputs, inputs, labels } = variables as Record<string, unknown>;
  return { execution: self, outputs, ...(inputs ? { inputs } : {}), labels };
}
