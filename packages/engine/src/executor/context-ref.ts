import { writtenDoubles } from "@ferry/core";
import { isTerminal, type TaskRunRecord } from "@ferry/sdk";
import type { ContextRef, OutputRef } from "../messages.js";
import type { ExecutionState } from "./execution-state.js";
import { currentOf } from "./held-task-run.js";
import { readsTaskStates, type OutputNeeds } from "./output-needs.js";
import { loopItem } from "./loop-execution.js";

/**
 * The pointers a task of this execution renders against: inputs, trigger, and the outputs
 * so far of the tasks it may read (`needs`, from its templates; all of them when unknown),
 * of the `current` run's iteration only where the templates read no further.
 * Only those travel with a job and are read by the worker, so a task run costs the same in
 * an execution of ten task runs or of a hundred thousand (issue #18). The task runs' states
 * travel only for a `part` whose templates read them (Kestra's `tasks`, tasksWithState()).
 */
export function contextRefOf(state: ExecutionState, needs: OutputNeeds = "all", current?: Pick<TaskRunRecord, "parentTaskRunId" | "value">, part?: object): ContextRef {
  const { execution, flow } = state;
  // a Loop's iteration (a LOOP execution) reads the outputs its parent's tasks had when it started, then its own
  const outputs: OutputRef[] = [...(execution.loopRun?.outputs ?? [])];
  const add = (run: TaskRunRecord) => {
    if (run.outputsUri && (isTerminal(currentOf(run)) || run.planUri)) {
      const values = state.loopValues(run, true);
      outputs.push({ taskId: run.taskId, ...(values.length ? { values } : {}), uri: run.outputsUri });
    }
  };
  if (needs === "all") state.taskRuns.forEach(add);
  else {
    for (const [taskId, scope] of needs) {
      // `outputs.x[taskrun.value]` reads x's runs of the rendering run's iteration only
      (scope === "iteration" && current ? state.index.ofTaskInIteration(taskId, current.value) : state.index.ofTask(taskId)).forEach(add);
    }
  }
  return {
    flow: { id: flow.id, namespace: flow.namespace, revision: execution.flowRevision },
    variables: flow.variables,
    ...(flow.variables && writtenDoubles(flow.variables) ? { variableDoubles: writtenDoubles(flow.variables) } : {}),
    ...(execution.variablesUri ? { variablesUri: execution.variablesUri } : {}),
    execution: { id: execution.id, startDate: execution.state.startDate, originalId: execution.originalId ?? execution.id, state: execution.state.current },
    // a Loop's iteration renders `execution.id` and `execution.startDate` as its root execution's (LoopCaseTest.loopExpressionContext: contextIsFromParent)
    ...(execution.loopRun?.root ? { loopRoot: execution.loopRun.root } : {}),
    labels: execution.labels,
    inputsUri: execution.inputsUri,
    ...(execution.loopRun ? { item: loopItem(execution) } : {}),
    ...floatInputsOf(flow),
    ...(readsTaskStates(part) ? { taskStates: state.taskRuns.map((run) => ({ taskId: run.taskId, ...(run.value !== undefined ? { value: run.value } : {}), state: run.state.current })) } : {}),
    ...(execution.outputsUri ? { executionOutputsUri: execution.outputsUri } : {}),
    triggerUri: execution.trigger?.variablesUri,
    ...(execution.trigger?.type ? { triggerType: execution.trigger.type } : {}),
    outputs,
    ...(execution.storagePrefix ? { filesPrefix: execution.storagePrefix } : {}),
  };
}

/** the FLOAT inputs a flow declares, when it declares any */
function floatInputsOf(flow: ExecutionState["flow"]): { floatInputs?: string[] } {
  const ids = (flow.inputs ?? []).filter((input) => input.type === "FLOAT").map((input) => input.id);
  return ids.length ? { floatInputs: ids } : {};
}

/**
 * The context the execution's last job got when it equals this one, else this one: the jobs of
 * one event then share one object. A ForEach with no concurrency limit builds 100,000 jobs in
 * one event, each with its own copy of the same context, all alive while the event saves: the
 * peak of a run over 100,000 values (issue #18.1). The queue copies what it is sent, so no
 * consumer sees the sharing.
 */
const lastContexts = new WeakMap<ExecutionState, ContextRef>();

export function sharedContextRef(state: ExecutionState, ref: ContextRef): ContextRef {
  const last = lastContexts.get(state);
  if (last && samePlain(last, ref)) return last;
  lastContexts.set(state, ref);
  return ref;
}

/** plain data equal in keys (in order) and values; anything but a plain object or array is equal only to itself */
function samePlain(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return Object.is(a, b);
  if (a === b) return true;
  const proto = Object.getPrototypeOf(a);
  if ((proto !== Object.prototype && proto !== Array.prototype) || Object.getPrototypeOf(b) !== proto) return false;
  if (Array.isArray(a) && a.length !== (b as unknown[]).length) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i] || !samePlain((a as Record<string, unknown>)[ka[i]], (b as Record<string, unknown>)[kb[i]])) return false;
  return true;
}
