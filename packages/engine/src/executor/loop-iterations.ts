import { renderValue, tasksAtPath, typeOutputs, type OutputSpec, type RenderContext, type TaskSpec } from "@ferry/core";
import { errorMessage, toStorageUri, type FlowableIterations, type FlowablePlan, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { filesPrefix, loopOutputsKey, loopPlanKey, recordsPrefix, taskFilesPrefix } from "../storage-keys.js";
import type { ExecutionState } from "./execution-state.js";
import { renderFlowOutputs } from "./flow-outputs.js";
import type { ListStatus } from "./walker.js";

/** what walking a Loop's iterations needs of the walker */
export interface IterationWalker {
  readonly state: ExecutionState;
  walkList(tasks: TaskSpec[] | undefined, parentId: string, value: string | undefined, mayStart: boolean): Promise<ListStatus>;
  /** what templates see within an iteration of the Loop, as its first task would */
  iterationContext(loop: TaskRunRecord, task: TaskSpec, value: string): Promise<RenderContext>;
}

/** Kestra's TruthUtils: falsy when null, '', 'false', '0' or '-0' */
const truthy = (value: unknown) => value !== null && value !== undefined && !["", "false", "0", "-0"].includes(String(value).trim().toLowerCase());

/** an iteration's outcome, as Kestra's FlowableUtils.resolveSequentialState gives its sub-execution's: errors and finally run, they do not recover */
type IterationStatus = "running" | Extract<TaskRunState, "SUCCESS" | "WARNING" | "FAILED" | "KILLED">;

/**
 * Kestra's Loop (its LoopExecutionEventMessageHandler): walks the started iterations — each
 * its `tasks`, then its `errors` if they failed, then its `finally` — records each that
 * ends (its outputs, `breakWhen`), starts new ones within the concurrency limit, and answers
 * the Loop's status once no iteration runs and none is to start: "failed" when a failure was
 * transmitted, "killed" when its execution is being killed, "success" otherwise (a WARNING
 * iteration, or a failed one with `transmitFailed: false`, leaves the Loop SUCCESS, as in Kestra).
 */
export async function walkIterations(w: IterationWalker, task: TaskSpec, run: TaskRunRecord, plan: FlowablePlan, store: JsonStore, mayStart: boolean): Promise<ListStatus> {
  const iterations = plan.iterations!;
  const ended = (iterations.ended ??= {});
  const tasks = tasksAtPath(task, ["tasks"]);
  const count = plan.branches.length;
  const endedNow: Ended[] = [];
  const started = (index: number) => tasks.some((t) => w.state.find(t.id, run.id, plan.branches[index].value));
  let known = progress.get(run);
  const walkOne = async (index: number, given: boolean) => {
    const status = await walkIteration(w, task, tasks, run, plan.branches[index].value!, given);
    if (status === "running") {
      known!.open.add(index);
      return;
    }
    known!.open.delete(index);
    if (status === "KILLED") known!.killed = true;
    endedNow.push(await iterationEnded(w, task, run, plan, index, status, store));
  };
  if (!known) {
    // the first walk in this process: every iteration, once; then only those whose task runs changed
    known = { open: new Set(), frontier: count, byValue: new Map(plan.branches.map((b, i) => [b.value!, i])), killed: false };
    progress.set(run, known);
    for (let index = 0; index < count; index++) {
      if (ended[index] !== undefined) {
        if (ended[index] === "KILLED") known.killed = true;
        continue;
      }
      if (!started(index)) {
        known.frontier = Math.min(known.frontier, index);
        continue;
      }
      await walkOne(index, mayStart && !iterations.stopped);
    }
  } else {
    const changed = new Set<number>();
    for (const r of w.state.dirty) {
      const index = iterationOf(w.state, run, r, known.byValue);
      if (index !== undefined && known.open.has(index)) changed.add(index);
    }
    for (const index of [...changed].sort((a, b) => a - b)) await walkOne(index, mayStart && !iterations.stopped);
  }
  // iterations start in order, from the first not started, within the concurrency limit
  if (mayStart && !iterations.stopped && !known.killed) {
    while (known.frontier < count && (plan.concurrency === 0 || known.open.size < plan.concurrency)) {
      const index = known.frontier;
      if (ended[index] !== undefined || known.open.has(index)) {
        known.frontier++;
        continue;
      }
      await walkOne(index, true);
      // none of its tasks could start (the execution ended meanwhile): it is still to start
      if (ended[index] === undefined && !started(index)) break;
      known.frontier++;
      if (iterations.stopped) break;
    }
  }
  if (endedNow.length) await countEnded(w.state, run, plan, endedNow, known.open.size, store);
  const toStart = !iterations.stopped && !known.killed && known.frontier < count;
  // iterations still to start while none may (a kill): the kill pass ends the Loop, as it ends a ForEach's unstarted branches
  if (known.open.size > 0 || toStart) return "running";
  if (known.killed) return "killed";
  return iterations.stopped === "failed" ? "failed" : "success";
}

/**
 * What earlier walks in this process learnt of a Loop's iterations (as BranchProgress for other
 * flowables): the running ones, the first not started, so a walk costs what changed in its
 * event (the iterations whose task runs were touched), not the number of values.
 */
interface IterationProgress {
  open: Set<number>;
  frontier: number;
  byValue: Map<string, number>;
  killed: boolean;
}

const progress = new WeakMap<TaskRunRecord, IterationProgress>();

/** a restart changed which iterations ended: the next walk looks at them all again */
export function forgetIterations(run: TaskRunRecord): void {
  progress.delete(run);
}

/** the iteration of `loop` a task run belongs to: that of its ancestor directly under the Loop */
function iterationOf(state: ExecutionState, loop: TaskRunRecord, changed: TaskRunRecord, byValue: Map<string, number>): number | undefined {
  let child: TaskRunRecord | undefined = changed;
  while (child && child.parentTaskRunId !== loop.id) child = child.parentTaskRunId ? state.byId(child.parentTaskRunId) : undefined;
  return child?.value === undefined ? undefined : byValue.get(child.value);
}

async function walkIteration(w: IterationWalker, task: TaskSpec, tasks: TaskSpec[], run: TaskRunRecord, value: string, mayStart: boolean): Promise<IterationStatus> {
  const main = await w.walkList(tasks, run.id, value, mayStart);
  if (main === "running") return "running";
  if (main === "failed" && task.errors?.length && (await w.walkList(task.errors, run.id, value, mayStart)) === "running") return "running";
  let after: ListStatus = "success";
  if (main !== "killed" && task.finally?.length) after = await w.walkList(task.finally, run.id, value, mayStart);
  if (after === "running") return "running";
  if (main === "killed" || after === "killed") return "KILLED";
  if (main === "failed" || after === "failed") return "FAILED";
  return main === "warning" || after === "warning" ? "WARNING" : "SUCCESS";
}

/**
 * An iteration ended: its declared outputs are rendered against it, a failure is transmitted
 * (`transmitFailed`) or `breakWhen` is rendered; the walk then counts it in the Loop's outputs
 * (countEnded), plan and outputs written under new keys, so every executor reads the current ones.
 */
async function iterationEnded(w: IterationWalker, task: TaskSpec, run: TaskRunRecord, plan: FlowablePlan, index: number, status: Exclude<IterationStatus, "running">, store: JsonStore): Promise<Ended> {
  const { state } = w;
  const iterations = plan.iterations!;
  const branch = plan.branches[index];
  const item = branch.item!;
  iterations.ended![index] = status;
  const ctx = iterations.outputs?.length || iterations.breakWhen !== undefined ? await w.iterationContext(run, task, branch.value!) : undefined;
  let produced: Record<string, unknown> | undefined;
  if (iterations.outputs?.length && status !== "KILLED") {
    try {
      const specs = iterations.outputs as OutputSpec[];
      produced = typeOutputs(specs, await renderFlowOutputs(specs, ctx!, state));
      if (iterations.fetchType === "STORE") produced = { uri: await storeOutputs(state, run, index, produced, store) };
    } catch (error) {
      state.log("ERROR", `Loop iteration ${item.index}: failed to render its outputs: ${errorMessage(error)}`, run);
    }
  }
  if ((status === "FAILED" || status === "KILLED") && iterations.transmitFailed) {
    state.log("ERROR", `Loop iteration ${item.index} ended in ${status}, check its task runs' logs for details`, run);
    iterations.stopped ??= "failed";
  } else if (iterations.breakWhen !== undefined && !iterations.stopped) {
    const iteration = { executionId: state.execution.id, state: status, outputs: produced ?? {} };
    try {
      const verdict = await renderValue(iterations.breakWhen, { ...ctx!, variables: { ...ctx!.variables, iteration } });
      if (truthy(verdict)) {
        state.log("INFO", `Loop breaks after iteration ${item.index}: breakWhen holds`, run);
        iterations.stopped = "break";
      }
    } catch (error) {
      state.log("ERROR", `Loop iteration ${item.index}: breakWhen: ${errorMessage(error)}`, run);
      iterations.stopped = "failed";
    }
  }
  return { index, status, ...(produced && Object.keys(produced).length ? { produced } : {}) };
}

/** an iteration that ended in this walk, recorded in the plan, to count */
interface Ended {
  index: number;
  status: Exclude<IterationStatus, "running">;
  produced?: Record<string, unknown>;
}

/** the Loop's outputs once this walk's ended iterations are counted, written once per walk with the plan */
async function countEnded(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, endedNow: Ended[], running: number, store: JsonStore): Promise<void> {
  const previous = run.outputsUri ? await store.read<Record<string, unknown>>(run.outputsUri) : {};
  const terminated = { ...(previous.terminatedIterations as Record<string, number> | undefined) };
  const collected = [...((previous.outputs as unknown[] | undefined) ?? [])];
  for (const { index, status, produced } of endedNow) {
    terminated[status] = (terminated[status] ?? 0) + 1;
    const item = plan.branches[index].item!;
    if (produced) collected.push({ item: { value: item.value, iteration: item.index, ...(item.key !== undefined ? { key: item.key } : {}) }, outputs: produced });
  }
  await saveLoop(state, run, plan, { iterationCount: plan.branches.length, runningIterations: running, terminatedIterations: terminated, ...(collected.length ? { outputs: collected } : {}) }, store);
}

/** the plan and the outputs, each version under keys of its own: a cache never holds an older document under a current key */
async function saveLoop(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, outputs: Record<string, unknown>, store: JsonStore): Promise<void> {
  const iterations = plan.iterations!;
  iterations.revision = (iterations.revision ?? 0) + 1;
  const prefix = recordsPrefix(state.execution);
  run.outputsUri = await store.write(loopOutputsKey(prefix, run.taskId, run.id, iterations.revision), outputs);
  run.planUri = await store.write(loopPlanKey(prefix, run.taskId, run.id, iterations.revision), plan);
  state.touch(run);
}

/**
 * A restart (Kestra's restart of a failed execution): the Loop's failed and killed iterations
 * run again. Their record and their count go, their `errors` and `finally` task runs are
 * dropped (answered, to drop), and a stop for a failure no longer holds; a `breakWhen` stop does.
 */
export async function restartIterations(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, store: JsonStore): Promise<Set<string>> {
  const drop = new Set<string>();
  if (!run.planUri || !task) return drop;
  forgetIterations(run);
  const plan = await store.read<FlowablePlan>(run.planUri);
  const iterations = plan.iterations;
  if (!iterations?.ended) return drop;
  const handlers = new Set([...(task.errors ?? []), ...(task.finally ?? [])].map((t) => t.id));
  const previous = run.outputsUri ? await store.read<Record<string, unknown>>(run.outputsUri) : {};
  const terminated = { ...(previous.terminatedIterations as Record<string, number> | undefined) };
  const again = new Set<number>();
  for (const [index, ended] of Object.entries(iterations.ended)) {
    if (ended !== "FAILED" && ended !== "KILLED") continue;
    again.add(Number(index));
    delete iterations.ended[index];
    terminated[ended] = (terminated[ended] ?? 1) - 1;
    if (!terminated[ended]) delete terminated[ended];
    const value = plan.branches[Number(index)].value;
    for (const r of state.taskRuns) if (r.parentTaskRunId === run.id && r.value === value && handlers.has(r.taskId)) drop.add(r.id);
  }
  if (iterations.stopped === "failed") delete iterations.stopped;
  const collected = ((previous.outputs as Array<{ item: { iteration: number } }> | undefined) ?? []).filter((o) => !again.has(o.item.iteration));
  const { outputs: _, ...counts } = previous;
  await saveLoop(state, run, plan, { ...counts, terminatedIterations: terminated, ...(collected.length ? { outputs: collected } : {}) }, store);
  return drop;
}


/** fetchType STORE: an iteration's outputs written to internal storage, one JSON document (Ion text reads JSON) */
async function storeOutputs(state: ExecutionState, run: TaskRunRecord, index: number, outputs: Record<string, unknown>, store: JsonStore): Promise<string> {
  const key = `${taskFilesPrefix(filesPrefix(state.execution), run.taskId, run.id)}/iteration-${index}.ion`;
  await store.storage.put(key, `${JSON.stringify(outputs)}\n`);
  return toStorageUri(key);
}

/** whether a plan is a Loop's (its branches are iterations) */
export const isIterations = (plan: FlowablePlan): plan is FlowablePlan & { iterations: FlowableIterations } => plan.iterations !== undefined;

/**
 * Kestra's pauseFlowable for a Loop (LoopExecutionEventMessageHandler.handlePaused): while a
 * task of one of its iterations is PAUSED, the Loop's task run is PAUSED too; once none is
 * (resumed, or the Loop ends), it runs again, and so does its execution when nothing else in
 * it is paused.
 */
export function followPausedIterations(state: ExecutionState, run: TaskRunRecord, running: boolean): void {
  const pausedInside = running && state.taskRuns.some((r) => r.state.current === "PAUSED" && r !== run && isBelow(state, r, run.id));
  if (pausedInside && run.state.current === "RUNNING") state.setRunState(run, "PAUSED");
  else if (!pausedInside && run.state.current === "PAUSED") {
    state.setRunState(run, "RUNNING");
    if (state.execution.state.current === "PAUSED" && !state.taskRuns.some((r) => r.state.current === "PAUSED")) state.setExecutionState("RUNNING");
  }
}

function isBelow(state: ExecutionState, run: TaskRunRecord, ancestorId: string): boolean {
  for (let p = run.parentTaskRunId; p; p = state.byId(p)?.parentTaskRunId) if (p === ancestorId) return true;
  return false;
}
