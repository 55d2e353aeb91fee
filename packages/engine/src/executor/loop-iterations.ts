import { renderValue, type TaskSpec } from "@ferry/core";
import { errorMessage, isTerminal, type ExecutionRecord, type FlowableIterations, type FlowablePlan, type Repository, type TaskRunRecord } from "@ferry/sdk";
import { buildRenderContext } from "../context.js";
import type { JsonStore } from "../json-store.js";
import { loopOutputsKey, loopPlanKey, recordsPrefix } from "../storage-keys.js";
import { contextRefOf } from "./context-ref.js";
import type { ExecutionState } from "./execution-state.js";
import { newIteration } from "./loop-execution.js";
import { outcomeState } from "./task-outcome.js";
import type { ListStatus } from "./walker.js";

/*
 * Kestra's Loop on the parent's side (the executor's handleLoop and its
 * LoopExecutionEventMessageHandler): each iteration is a sub-execution of kind LOOP
 * (loop-execution.ts); the Loop's task run starts them in order within its concurrency limit,
 * hears of each one that pauses or ends, counts it in its outputs and starts the next. The
 * plan records which sub-execution each started iteration is and how each ended, so that a
 * restarted server (or another executor) takes the Loop up where it was.
 */

/** Kestra's TruthUtils: falsy when null, '', 'false', '0' or '-0' */
const truthy = (value: unknown) => value !== null && value !== undefined && !["", "false", "0", "-0"].includes(String(value).trim().toLowerCase());

type Iterations = FlowablePlan & { iterations: FlowableIterations };

/** one iteration's declared outputs in the Loop's `outputs` (Kestra's LoopOutput) */
interface LoopOutput {
  item: { value: string; iteration: number; key?: string };
  outputs: Record<string, unknown>;
}

/** whether a plan is a Loop's (its branches are iterations) */
export const isIterations = (plan: FlowablePlan): plan is Iterations => plan.iterations !== undefined;

const runningOf = (it: FlowableIterations) => (it.children?.length ?? 0) - Object.keys(it.ended ?? {}).length;

/**
 * A walk of a running Loop: iterations start in order, as many as its concurrency limit lets
 * run at once (0: all), each a sub-execution created once this execution is saved. It answers
 * "running" while one runs or is to start, "success" once every started one ended (or a
 * `breakWhen` stopped it). A failure transmitted ended it already (iterationChanged).
 */
export async function walkLoop(state: ExecutionState, run: TaskRunRecord, plan: Iterations, store: JsonStore, mayStart: boolean): Promise<ListStatus> {
  const it = plan.iterations;
  const count = plan.branches.length;
  const children = (it.children ??= []);
  let running = runningOf(it);
  let started = false;
  if (mayStart && !it.stopped) {
    while (children.length < count && (plan.concurrency === 0 || running < plan.concurrency)) {
      const iteration = newIteration(state, run, plan, children.length);
      state.iterations.push(iteration);
      children.push(iteration.id);
      running++;
      started = true;
    }
  }
  if (started) {
    const previous = await outputsOf(run, store);
    // a file's values: Kestra's LoopExecutionEventMessageHandler moves `nextOffset` past each value it starts an iteration for
    const nextOffset = it.offsets ? { nextOffset: it.offsets[children.length - 1] } : {};
    await saveLoop(state, run, plan, { ...previous, iterationCount: count, runningIterations: running, terminatedIterations: previous.terminatedIterations ?? {}, ...nextOffset }, store);
  }
  if (running > 0 || (!it.stopped && children.length < count)) return "running";
  return it.stopped === "failed" ? "failed" : "success";
}

/**
 * One of the Loop's iterations changed (its sub-execution told so, or a reconcile found it):
 * paused, the Loop's task run and its execution pause with it (Kestra's handlePaused), and run
 * again once it is not; ended, it is counted by state in `terminatedIterations`, its outputs
 * collected, and then a failure with `transmitFailed` ends the Loop at once (the iterations
 * still running go on, as in Kestra), or `breakWhen`, rendered now, stops new ones.
 */
export async function iterationChanged(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, child: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] }, store: JsonStore): Promise<void> {
  if (isTerminal(run.state.current) || !run.planUri) return;
  const plan = await store.read<FlowablePlan>(run.planUri);
  if (!isIterations(plan)) return;
  const it = plan.iterations;
  const index = it.children?.indexOf(child.execution.id) ?? -1;
  if (index < 0 || it.ended?.[index] !== undefined) return;
  const current = child.execution.state.current;
  const paused = new Set(it.paused ?? []);
  const wasPaused = paused.has(index);
  if (current === "PAUSED") paused.add(index);
  else paused.delete(index);
  it.paused = [...paused];
  if (!isTerminal(current)) {
    if (wasPaused === paused.has(index)) return;
    await saveLoop(state, run, plan, await outputsOf(run, store), store);
    followPaused(state, run, paused.size > 0);
    return;
  }
  const status = current;
  (it.ended ??= {})[index] = status;
  const item = plan.branches[index].item!;
  const produced = child.execution.outputsUri ? await store.read<Record<string, unknown>>(child.execution.outputsUri) : undefined;
  const transmitted = (status === "FAILED" || status === "KILLED") && it.transmitFailed;
  if (transmitted) {
    state.log("ERROR", `Loop iteration ${item.index} ended in ${status} in sub-execution ${child.execution.id}, check that execution's logs for details`, run);
    it.stopped = status === "FAILED" ? "failed" : "break";
  } else if (it.breakWhen !== undefined && !it.stopped) {
    try {
      const ctx = await buildRenderContext(contextRefOf(state, "all", run), store, { taskrun: state.taskRunVariables(run), task: { id: run.taskId, type: task?.type ?? "io.kestra.plugin.core.flow.Loop" } });
      const iteration = { executionId: child.execution.id, state: status, outputs: produced ?? {} };
      const verdict = await renderValue(it.breakWhen, { ...ctx, variables: { ...ctx.variables, item: { index: item.index, value: item.value, ...(item.key !== undefined ? { key: item.key } : {}) }, iteration } });
      if (truthy(verdict)) {
        state.log("INFO", `Loop breaks after iteration ${item.index}: breakWhen holds`, run);
        it.stopped = "break";
      }
    } catch (error) {
      state.log("ERROR", `Loop iteration ${item.index}: breakWhen: ${errorMessage(error)}`, run);
      it.stopped = "failed";
    }
  }
  const previous = await outputsOf(run, store);
  const terminated = { ...(previous.terminatedIterations as Record<string, number> | undefined) };
  terminated[status] = (terminated[status] ?? 0) + 1;
  const collected = [...((previous.outputs as LoopOutput[] | undefined) ?? [])];
  if (produced && Object.keys(produced).length) {
    // appended as iterations end, as Kestra's LoopExecutionEventMessageHandler does (iteration order only when they run one at a time)
    collected.push({ item: { value: item.value, iteration: item.index, ...(item.key !== undefined ? { key: item.key } : {}) }, outputs: produced });
  }
  // the iteration's own task runs, and those its own Loops counted (Kestra bubbles each level's accumulator up: LoopCaseTest.loopNested counts 93)
  // and those its LoopUntils dropped (Kestra's TaskRunStatistic.of(taskRunList).plus(metadata.taskRunStatistic): LoopCaseTest.loopWithLoopUntil)
  const statistic = plusStatistic(plusStatistic(addStatistic(previous.taskRunStatistic as TaskRunStatistic | undefined, child.taskRuns), await accumulatedStatistic(child.taskRuns, store)), child.execution.discardedTaskRuns);
  const nextOffset = previous.nextOffset !== undefined ? { nextOffset: previous.nextOffset } : {};
  await saveLoop(state, run, plan, { iterationCount: plan.branches.length, runningIterations: runningOf(it), terminatedIterations: terminated, ...nextOffset, ...(collected.length ? { outputs: collected } : {}), taskRunStatistic: statistic }, store);
  followPaused(state, run, paused.size > 0);
  // an iteration an Approval's CANCEL ended (approval.ts endsAs) is only counted: the cancel is the iteration's own
  // execution's, and the Loop and its root go on (ApprovalTest.shouldContinueTheParentExecutionWhenAnApprovalInALoopIterationExpires)
  // Kestra's terminateLoop: the Loop ends now, whatever still runs; FAILED for a failed iteration, SUCCESS for a killed one
  if (transmitted) state.setRunState(run, status === "FAILED" ? outcomeState(task, "FAILED", plan.allowFailure) : "SUCCESS");
  else if (it.stopped === "failed") state.setRunState(run, outcomeState(task, "FAILED", plan.allowFailure));
}

/** Kestra's TaskRunStatistic as a Loop's outputs carry it: its iterations' task runs counted, with their durations */
export interface TaskRunStatistic {
  count: number;
  durationSumMs: number;
  durationMinMs: number;
  durationMaxMs: number;
}

/** the task runs counted, with their durations (Kestra's TaskRunStatistic.of); none: undefined */
export const statisticOf = (taskRuns: TaskRunRecord[]): TaskRunStatistic | undefined => (taskRuns.length ? addStatistic(undefined, taskRuns) : undefined);

/** the statistic with an ended iteration's task runs added (Kestra's TaskRunStatistic.of(taskRuns).plus) */
function addStatistic(previous: TaskRunStatistic | undefined, taskRuns: TaskRunRecord[]): TaskRunStatistic {
  let { count, durationSumMs, durationMinMs, durationMaxMs } = previous ?? { count: 0, durationSumMs: 0, durationMinMs: 0, durationMaxMs: 0 };
  for (const r of taskRuns) {
    const ms = Math.max(0, Date.parse(r.state.endDate ?? new Date().toISOString()) - Date.parse(r.state.startDate));
    durationMinMs = count === 0 ? ms : Math.min(durationMinMs, ms);
    durationMaxMs = Math.max(durationMaxMs, ms);
    durationSumMs += ms;
    count++;
  }
  return { count, durationSumMs, durationMinMs, durationMaxMs };
}

/** two statistics as one (Kestra's TaskRunStatistic.plus): counts and sums added, the extremes kept */
export function plusStatistic(a: TaskRunStatistic | undefined, b: TaskRunStatistic | undefined): TaskRunStatistic | undefined {
  if (!b?.count) return a;
  if (!a?.count) return b;
  return { count: a.count + b.count, durationSumMs: a.durationSumMs + b.durationSumMs, durationMinMs: Math.min(a.durationMinMs, b.durationMinMs), durationMaxMs: Math.max(a.durationMaxMs, b.durationMaxMs) };
}

/**
 * What an execution's `metadata.taskRunStatistic` is in Kestra: the task runs of its Loops'
 * iterations, at any depth, which its own task-run list does not hold — the sum of its Loop task
 * runs' `taskRunStatistic` outputs (only a Loop's task run, a flowable one, writes that output).
 * `outputsOf` answers a task run's outputs (read, or already read by the caller).
 */
export async function executionStatistic(taskRuns: TaskRunRecord[], outputsOf: (run: TaskRunRecord) => Promise<unknown>): Promise<TaskRunStatistic | undefined> {
  let sum: TaskRunStatistic | undefined;
  for (const run of taskRuns) {
    if (!run.planUri || !run.outputsUri) continue;
    const outputs = (await outputsOf(run)) as { taskRunStatistic?: TaskRunStatistic } | null | undefined;
    sum = plusStatistic(sum, outputs?.taskRunStatistic);
  }
  return sum;
}

const accumulatedStatistic = (taskRuns: TaskRunRecord[], store: JsonStore) => executionStatistic(taskRuns, (run) => store.read(run.outputsUri!));

/** Kestra's pauseFlowable for a Loop: PAUSED while one of its iterations is, with its execution; RUNNING again once none is */
function followPaused(state: ExecutionState, run: TaskRunRecord, anyPaused: boolean): void {
  if (anyPaused && run.state.current === "RUNNING") {
    state.setRunState(run, "PAUSED");
    if (state.execution.state.current === "RUNNING") state.setExecutionState("PAUSED");
  } else if (!anyPaused && run.state.current === "PAUSED") {
    state.setRunState(run, "RUNNING");
    if (state.execution.state.current === "PAUSED" && !state.taskRuns.some((r) => r.state.current === "PAUSED")) state.setExecutionState("RUNNING");
  }
}

/** the sub-executions of a Loop's iterations that have not ended (a kill reaches them) */
export async function openIterations(run: TaskRunRecord, store: JsonStore): Promise<string[]> {
  if (!run.planUri) return [];
  const plan = await store.read<FlowablePlan>(run.planUri);
  if (!isIterations(plan)) return [];
  return (plan.iterations.children ?? []).filter((_, index) => plan.iterations.ended?.[index] === undefined);
}

/**
 * After a restart of this process or a lost message: an iteration whose sub-execution was never
 * created (the process died between the save and its creation) is created now, under the id
 * the plan gave it; one that paused or ended unheard is heard now.
 */
export async function reconcileIterations(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, repository: Repository, store: JsonStore): Promise<void> {
  if (!run.planUri || isTerminal(run.state.current)) return;
  const plan = await store.read<FlowablePlan>(run.planUri);
  if (!isIterations(plan)) return;
  for (const [index, id] of (plan.iterations.children ?? []).entries()) {
    if (plan.iterations.ended?.[index] !== undefined) continue;
    const found = await repository.getExecution(id);
    if (!found) state.iterations.push(newIteration(state, run, plan, index, id));
    else if (isTerminal(found.execution.state.current) || found.execution.state.current === "PAUSED" || plan.iterations.paused?.includes(index)) {
      await iterationChanged(state, run, task, found, store);
      if (isTerminal(run.state.current)) return;
    }
  }
}

/**
 * A restart of the failed execution (Kestra's restart of a Loop): its FAILED and KILLED
 * iterations' sub-executions are restarted (once this execution is saved), their count and
 * outputs forgotten; a stop for a failure no longer holds (a `breakWhen` stop does), so the
 * iterations never started start as the walk lets them.
 */
export async function restartIterations(state: ExecutionState, run: TaskRunRecord, store: JsonStore): Promise<void> {
  if (!run.planUri) return;
  const plan = await store.read<FlowablePlan>(run.planUri);
  if (!isIterations(plan)) return;
  const it = plan.iterations;
  const previous = await outputsOf(run, store);
  const terminated = { ...(previous.terminatedIterations as Record<string, number> | undefined) };
  const again = new Set<number>();
  for (const [index, ended] of Object.entries(it.ended ?? {})) {
    if (ended !== "FAILED" && ended !== "KILLED") continue;
    again.add(plan.branches[Number(index)].item!.index);
    delete it.ended![index];
    terminated[ended] = (terminated[ended] ?? 1) - 1;
    if (!terminated[ended]) delete terminated[ended];
    state.childRestarts.push({ executionId: it.children![Number(index)], taskRunId: run.id, loop: true });
  }
  if (it.stopped === "failed") delete it.stopped;
  const collected = ((previous.outputs as LoopOutput[] | undefined) ?? []).filter((o) => !again.has(o.item.iteration));
  const { outputs: _, ...counts } = previous;
  await saveLoop(state, run, plan, { ...counts, runningIterations: runningOf(it), terminatedIterations: terminated, ...(collected.length ? { outputs: collected } : {}) }, store);
}

const outputsOf = async (run: TaskRunRecord, store: JsonStore) => (run.outputsUri ? await store.read<Record<string, unknown>>(run.outputsUri) : {});

/** the plan and the outputs, each version under keys of its own: a cache never holds an older document under a current key */
async function saveLoop(state: ExecutionState, run: TaskRunRecord, plan: Iterations, outputs: Record<string, unknown>, store: JsonStore): Promise<void> {
  const it = plan.iterations;
  it.revision = (it.revision ?? 0) + 1;
  const prefix = recordsPrefix(state.execution);
  run.outputsUri = await store.write(loopOutputsKey(prefix, run.taskId, run.id, it.revision), outputs);
  run.planUri = await store.write(loopPlanKey(prefix, run.taskId, run.id, it.revision), plan);
  state.touch(run);
}
