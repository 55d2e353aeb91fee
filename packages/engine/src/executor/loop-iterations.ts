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
  let running = 0;
  let killed = false;
  const pending: number[] = [];
  for (const [index, branch] of plan.branches.entries()) {
    if (ended[index] !== undefined) {
      if (ended[index] === "KILLED") killed = true;
      continue;
    }
    const value = branch.value!;
    if (!tasks.some((t) => w.state.find(t.id, run.id, value))) {
      pending.push(index);
      continue;
    }
    const status = await walkIteration(w, task, tasks, run, value, mayStart && !iterations.stopped);
    if (status === "running") {
      running++;
      continue;
    }
    if (status === "KILLED") killed = true;
    await iterationEnded(w, task, run, plan, index, status, store);
  }
  if (mayStart && !iterations.stopped && !killed) {
    for (const index of pending) {
      if (plan.concurrency > 0 && running >= plan.concurrency) break;
      const status = await walkIteration(w, task, tasks, run, plan.branches[index].value!, true);
      // an iteration whose tasks are all disabled, or that ends at once (a runIf false everywhere)
      if (status === "running") running++;
      else await iterationEnded(w, task, run, plan, index, status, store);
      if (iterations.stopped) break;
    }
  }
  const toStart = !iterations.stopped && !killed && plan.branches.some((_, index) => ended[index] === undefined);
  // iterations still to start while none may (a kill): the kill pass ends the Loop, as it ends a ForEach's unstarted branches
  if (running > 0 || toStart) return "running";
  if (killed) return "killed";
  return iterations.stopped === "failed" ? "failed" : "success";
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
 * (`transmitFailed`) or `breakWhen` is rendered, and the Loop's outputs count it. The plan and
 * the outputs are written under new keys, so every executor reads the current ones.
 */
async function iterationEnded(w: IterationWalker, task: TaskSpec, run: TaskRunRecord, plan: FlowablePlan, index: number, status: Exclude<IterationStatus, "running">, store: JsonStore): Promise<void> {
  const { state } = w;
  const iterations = plan.iterations!;
  const branch = plan.branches[index];
  const item = branch.item!;
  iterations.ended![index] = status;
  const count = Object.keys(iterations.ended!).length;
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
  const previous = run.outputsUri ? await store.read<Record<string, unknown>>(run.outputsUri) : {};
  const terminated = { ...(previous.terminatedIterations as Record<string, number> | undefined) };
  terminated[status] = (terminated[status] ?? 0) + 1;
  const started = plan.branches.filter((b, i) => iterations.ended![i] === undefined && startedIteration(w, task, run, b.value!)).length;
  const collected = [...((previous.outputs as unknown[] | undefined) ?? [])];
  if (produced && Object.keys(produced).length) collected.push({ item: { value: item.value, iteration: item.index, ...(item.key !== undefined ? { key: item.key } : {}) }, outputs: produced });
  const prefix = recordsPrefix(state.execution);
  run.outputsUri = await store.write(loopOutputsKey(prefix, run.taskId, run.id, count), {
    iterationCount: plan.branches.length,
    runningIterations: started,
    terminatedIterations: terminated,
    ...(collected.length ? { outputs: collected } : {}),
  });
  run.planUri = await store.write(loopPlanKey(prefix, run.taskId, run.id, count), plan);
  state.touch(run);
}

const startedIteration = (w: IterationWalker, task: TaskSpec, run: TaskRunRecord, value: string) => tasksAtPath(task, ["tasks"]).some((t) => w.state.find(t.id, run.id, value));

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
