import { findTask, tasksAtPath, typeOutputs, type Flow, type OutputSpec, type PluginRegistry, type TaskSpec } from "@ferry/core";
import { errorMessage, isTerminal, newId, toStorageUri, type ExecutionRecord, type FlowablePlan, type LoopRun, type Repository, type TaskRunRecord } from "@ferry/sdk";
import { buildRenderContext } from "../context.js";
import type { JsonStore } from "../json-store.js";
import { filesPrefix, flowOutputsKey, recordsPrefix } from "../storage-keys.js";
import { contextRefOf } from "./context-ref.js";
import { isWorkerFlowable } from "./flowable-attempt.js";
import { newState, type ExecutionState } from "./execution-state.js";
import { renderFlowOutputs } from "./flow-outputs.js";

/*
 * A Loop's iteration as Kestra runs it: a sub-execution of kind LOOP (Kestra's
 * Execution.loopExecution), of the same flow revision, whose lists are the Loop's `tasks`,
 * `errors` and `finally`. It carries its parent's inputs, variables, labels and trigger, and
 * the outputs its parent's tasks had when it started (Kestra's LoopRun holds the parent
 * execution), which its tasks read beside their own. Its end is told to the parent
 * (loop-iterations.ts), with its declared outputs rendered against it.
 */

const views = new WeakMap<Flow, Map<string, Flow>>();
const loopTasks = new WeakMap<Flow, TaskSpec>();

/** the flow as a LOOP execution walks it: the Loop's lists in place of the flow's, nothing that belongs to the root (concurrency, SLAs, outputs, afterExecution) */
export function iterationFlow(flow: Flow, loopTaskId: string, registry: PluginRegistry): Flow {
  let byTask = views.get(flow);
  if (!byTask) views.set(flow, (byTask = new Map()));
  let view = byTask.get(loopTaskId);
  if (!view) {
    const loop = findTask([flow.tasks, flow.errors, flow.finally, flow.afterExecution], loopTaskId, registry);
    if (!loop) throw new Error(`the flow has no Loop task '${loopTaskId}' any more`);
    const { afterExecution: _a, outputs: _o, concurrency: _c, sla: _s, retry, ...rest } = flow;
    view = {
      ...rest,
      // a retry in a new execution is the root's to make, not an iteration's
      ...(retry && retry.behavior !== "CREATE_NEW_EXECUTION" ? { retry } : {}),
      tasks: tasksAtPath(loop, ["tasks"]),
      errors: loop.errors,
      finally: loop.finally,
    };
    loopTasks.set(view, loop);
    byTask.set(loopTaskId, view);
  }
  return view;
}

/**
 * Kestra's `item` in a LOOP execution: its iteration's index, value and key, with the enclosing
 * Loops' as `parents`, outermost first, and the nearest as `parent` (its last): LoopCaseTest.loopNested
 * reads `item.parents[0]` as the outermost Loop's item and `item.parent` as the one just above.
 */
export function loopItem(execution: ExecutionRecord): Record<string, unknown> | undefined {
  const run = execution.loopRun;
  if (!run) return undefined;
  return { index: run.index, value: run.value, ...(run.key !== undefined ? { key: run.key } : {}), ...(run.parents.length ? { parent: run.parents[run.parents.length - 1] } : {}), parents: run.parents };
}

/**
 * The sub-execution of a Loop task run's iteration `index`, made from the parent execution as
 * it is now: its inputs, variables, labels, trigger and files are the parent's; the outputs its
 * tasks read are those the parent's tasks have, which in turn hold those of a parent Loop's.
 */
export function newIteration(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, index: number, id = newId()): ExecutionRecord {
  const parent = state.execution;
  const item = plan.branches[index].item!;
  const now = new Date().toISOString();
  const loopRun: LoopRun = {
    taskId: run.taskId,
    taskRunId: run.id,
    index: item.index,
    value: item.value,
    ...(item.key !== undefined ? { key: item.key } : {}),
    // Kestra's Execution.computeParents: the parent's own parents, then the parent's item (outermost first)
    parents: parent.loopRun ? [...parent.loopRun.parents, { index: parent.loopRun.index, value: parent.loopRun.value, ...(parent.loopRun.key !== undefined ? { key: parent.loopRun.key } : {}) }] : [],
    root: parent.loopRun ? (parent.loopRun.root ?? { id: parent.id, startDate: parent.state.startDate }) : { id: parent.id, startDate: parent.state.startDate },
    fetchType: plan.iterations!.fetchType,
    // the parent's own outputs and those it read from its parent, when it is itself an iteration
    outputs: contextRefOf(state, "all").outputs,
  };
  return {
    id,
    namespace: parent.namespace,
    flowId: parent.flowId,
    flowRevision: parent.flowRevision,
    state: newState("CREATED", now),
    inputsUri: parent.inputsUri,
    labels: parent.labels,
    trigger: parent.trigger,
    parent: { executionId: parent.id, taskRunId: run.id },
    kind: "LOOP",
    loopRun,
    storagePrefix: filesPrefix(parent),
    ...(parent.variablesUri ? { variablesUri: parent.variablesUri } : {}),
    originalId: parent.originalId ?? parent.id,
    created: now,
    updated: now,
  };
}

/**
 * A LOOP execution about to end `final`: its Loop's declared `outputs` are rendered against it
 * (Kestra's Loop.computeIterationOutput) and kept as its outputs, stored as a file with
 * fetchType STORE. Answers the state it ends in: FAILED when they do not render.
 */
export async function endIteration(state: ExecutionState, final: ExecutionRecord["state"]["current"], store: JsonStore): Promise<ExecutionRecord["state"]["current"]> {
  const loop = loopTasks.get(state.flow);
  const declared = loop?.outputs as OutputSpec[] | undefined;
  const run = state.execution.loopRun;
  if (!run || !Array.isArray(declared) || !declared.length || final === "KILLED") return final;
  try {
    const ctx = await buildRenderContext(contextRefOf(state, "all"), store);
    const produced: Record<string, unknown> = typeOutputs(declared, await renderFlowOutputs(declared, ctx, state));
    let outputs = produced;
    if (run.fetchType === "STORE") {
      const key = `${filesPrefix(state.execution)}/${run.taskId}/iteration-${run.index}-${state.execution.id}.ion`;
      await store.storage.put(key, `${JSON.stringify(produced)}\n`);
      outputs = { uri: toStorageUri(key) };
    }
    state.execution.outputsUri = await store.write(flowOutputsKey(recordsPrefix(state.execution), state.execution.attemptNumber), outputs);
    return final;
  } catch (error) {
    // as Kestra's executor: the sub-execution whose outputs do not render ends FAILED (its tasks stay as they ended)
    state.log("ERROR", `Loop iteration ${run.index}: failed to render its outputs: ${errorMessage(error)}`);
    return "FAILED";
  }
}

/**
 * Kestra's resume of an execution paused by a Loop (ExecutionService.resume): what is resumed is
 * the first paused iteration's sub-execution, at whatever depth of nested Loops it pauses.
 */
export async function pausedIteration(repository: Repository, found: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] }): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] }> {
  for (let current = found; ; ) {
    const paused = current.taskRuns.filter((r) => r.state.current === "PAUSED");
    if (!paused.length || paused.some((r) => !r.planUri || isWorkerFlowable(r))) return current;
    const { results } = await repository.searchExecutions({ namespace: current.execution.namespace, flowId: current.execution.flowId, kind: "LOOP", state: ["PAUSED"], page: 1, size: 1000 });
    const next = results
      .filter((e) => e.parent?.executionId === current.execution.id && paused.some((r) => r.id === e.parent?.taskRunId))
      .sort((a, b) => a.loopRun!.index - b.loopRun!.index)[0];
    const loaded = next && (await repository.getExecution(next.id));
    if (!loaded) return current;
    current = loaded;
  }
}

/** whether this save paused a Loop's iteration, ran it again after a pause, or ended it: what its Loop waits to hear */
export function iterationMoved(state: ExecutionState): boolean {
  const { histories, current } = state.execution.state;
  if (histories.length <= state.loadedTransitions) return false;
  return isTerminal(current) || current === "PAUSED" || histories.slice(Math.max(0, state.loadedTransitions - 1), -1).some((h) => h.state === "PAUSED");
}
