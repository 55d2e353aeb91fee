import type { Flow } from "@ferry/core";
import type { FlowablePlan, LoopItem, TaskRunRecord } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { branchProgressOf, knownPlan } from "./branch-progress.js";

/*
 * Kestra's Loop runs each iteration as a sub-execution of its own; Ferry runs it as a branch
 * of the Loop's task run, keyed by the iteration's value. What makes it stand alone as Kestra's
 * does lives here: the `item` its tasks read, and which outputs they see (their own
 * iteration's, under their task ids, and those of the tasks outside the loop).
 */

const LOOP_TYPES = new Set(["io.kestra.plugin.core.flow.Loop", "core.Loop"]);
const loopIds = new WeakMap<Flow, Set<string>>();

/** the ids of the flow's Loop tasks, found once per flow */
export function loopTaskIds(flow: Flow): Set<string> {
  let ids = loopIds.get(flow);
  if (!ids) {
    ids = new Set();
    collect([flow.tasks, flow.errors, flow.finally, flow.afterExecution], ids);
    loopIds.set(flow, ids);
  }
  return ids;
}

function collect(value: unknown, ids: Set<string>): void {
  if (Array.isArray(value)) value.forEach((v) => collect(v, ids));
  else if (value && typeof value === "object") {
    const spec = value as Record<string, unknown>;
    if (typeof spec.id === "string" && typeof spec.type === "string" && LOOP_TYPES.has(spec.type)) ids.add(spec.id);
    Object.values(spec).forEach((v) => collect(v, ids));
  }
}

/** one enclosing Loop iteration of a task run: the Loop's run, the iteration's value (its runs' key), and its item when the Loop's plan is known */
export interface LoopIteration {
  loopRunId: string;
  value: string;
  item?: LoopItem;
}

interface RunLookup {
  readonly flow: Flow;
  byId(id: string): TaskRunRecord | undefined;
}

/** the Loop iterations a task run is inside, nearest first; none outside any Loop */
export function loopIterationsOf(state: RunLookup, run: Pick<TaskRunRecord, "parentTaskRunId" | "value">): LoopIteration[] {
  const ids = loopTaskIds(state.flow);
  if (!ids.size) return [];
  const out: LoopIteration[] = [];
  let child = run;
  for (let parent = lookupParent(state, child); parent; child = parent, parent = lookupParent(state, child)) {
    if (!ids.has(parent.taskId) || child.value === undefined) continue;
    const plan = knownPlan(parent);
    const item = plan && itemsOf(plan).get(child.value);
    out.push({ loopRunId: parent.id, value: child.value, ...(item ? { item } : {}) });
  }
  return out;
}

const items = new WeakMap<FlowablePlan, Map<string, LoopItem>>();

/** a Loop plan's items by iteration value, made once per plan read */
function itemsOf(plan: FlowablePlan): Map<string, LoopItem> {
  let byValue = items.get(plan);
  if (!byValue) {
    byValue = new Map(plan.branches.filter((b) => b.item && b.value !== undefined).map((b) => [b.value!, b.item!]));
    items.set(plan, byValue);
  }
  return byValue;
}

const lookupParent = (state: RunLookup, run: Pick<TaskRunRecord, "parentTaskRunId">) => (run.parentTaskRunId ? state.byId(run.parentTaskRunId) : undefined);

/** whether a run's value is its Loop iteration's (Kestra's iteration tasks have no `taskrun.value`), not a ForEach's inside it */
export function valueFromLoop(state: RunLookup, run: Pick<TaskRunRecord, "parentTaskRunId" | "value">): boolean {
  const ids = loopTaskIds(state.flow);
  if (!ids.size || run.value === undefined) return false;
  let child = run;
  for (let parent = lookupParent(state, child); parent; child = parent, parent = lookupParent(state, child)) {
    if (parent.value !== child.value) return ids.has(parent.taskId);
  }
  return false;
}

/**
 * Kestra's `item`: the nearest iteration's `index`, `value` and `key` (a map's), with the
 * enclosing Loops' as `parent` (the next one out) and `parents` (nearest first).
 */
export function itemVariable(iterations: LoopIteration[]): Record<string, unknown> | undefined {
  const items = iterations.map((i) => i.item).filter((i): i is LoopItem => i !== undefined);
  if (!items.length) return undefined;
  const [nearest, ...outer] = items;
  return { ...nearest, ...(outer.length ? { parent: outer[0] } : {}), parents: outer };
}

/**
 * Whether a task rendering inside `current` iterations sees the outputs of a run inside
 * `theirs`: only when each Loop iteration the run is in is one the renderer is in too (an
 * iteration sees its own tasks' outputs and those outside; never another iteration's).
 */
export function visibleFrom(current: LoopIteration[], theirs: LoopIteration[]): boolean {
  return theirs.every((t) => current.some((c) => c.loopRunId === t.loopRunId && c.value === t.value));
}

/**
 * The iteration values a run's outputs are addressed by (`outputs.x[value]`), outermost first,
 * as ExecutionState.parentValues gives them but for the Loop iterations': within its own
 * iteration a task's outputs read `outputs.x`, as in Kestra's sub-execution.
 */
export function valuesPathOutsideLoops(state: RunLookup, run: TaskRunRecord): string[] {
  const ids = loopTaskIds(state.flow);
  const values: string[] = [];
  let child: TaskRunRecord = run;
  for (let parent = lookupParent(state, child); ; child = parent, parent = lookupParent(state, child)) {
    if (child.value !== undefined && child.value !== parent?.value && !(parent && ids.has(parent.taskId))) values.push(child.value);
    if (!parent) break;
  }
  return values.reverse();
}

/**
 * A task run sent to a worker outside a walk (a retry, a lost attempt): the plans of the
 * Loops it is inside are read first, so that its `item` is known (a walk reads them on its way down).
 */
export async function readLoopPlansAbove(state: RunLookup, run: TaskRunRecord, store: JsonStore): Promise<void> {
  const ids = loopTaskIds(state.flow);
  if (!ids.size) return;
  for (let parent = lookupParent(state, run); parent; parent = lookupParent(state, parent)) {
    if (ids.has(parent.taskId) && parent.planUri && !knownPlan(parent)) await branchProgressOf(parent, () => store.read<FlowablePlan>(parent.planUri!));
  }
}
