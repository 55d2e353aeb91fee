import type { TaskRunRecord } from "@ferry/sdk";
import { knownPlan, valuePlaces as placesOf } from "./branch-progress.js";
import type { ExecutionState } from "./execution-state.js";

/**
 * Kestra's `taskrun.iteration` for a loop's own children: FlowableUtils.resolveEachTasks numbers
 * the distinct values from 0 and gives that number to each child task run of a value (ForEach,
 * EachSequential, EachParallel); deeper task runs have no value. The number is the value's
 * place among the plan's branches; when the plan was not read in this process, its place
 * among the values started so far (branches start in plan order).
 */
export function eachIteration(state: ExecutionState, run: TaskRunRecord): number | undefined {
  if (run.value === undefined || !run.parentTaskRunId) return undefined;
  const parent = state.byId(run.parentTaskRunId);
  if (!parent?.planUri) return undefined;
  const plan = knownPlan(parent);
  if (plan) return placesOf(plan).get(run.value);
  const seen: string[] = [];
  for (const r of state.taskRuns) {
    if (r.parentTaskRunId !== parent.id || r.value === undefined || seen.includes(r.value)) continue;
    if (r.value === run.value) return seen.length;
    seen.push(r.value);
  }
  return undefined;
}

/**
 * Kestra's `TaskRun.iteration` for every task run of an execution at once (the API's task-run
 * list, ForEachTest.iteration): the same number as `eachIteration`, in one pass over the list
 * (task runs are listed in the order they were created, so a loop's values appear in plan order).
 */
export function eachIterations(taskRuns: readonly TaskRunRecord[]): Map<string, number> {
  const byId = new Map(taskRuns.map((r) => [r.id, r]));
  const seen = new Map<string, Map<string, number>>();
  const result = new Map<string, number>();
  for (const run of taskRuns) {
    if (run.value === undefined || !run.parentTaskRunId) continue;
    const parent = byId.get(run.parentTaskRunId);
    if (!parent?.planUri) continue;
    const plan = knownPlan(parent);
    if (plan) {
      const place = placesOf(plan).get(run.value);
      if (place !== undefined) result.set(run.id, place);
      continue;
    }
    let values = seen.get(parent.id);
    if (!values) seen.set(parent.id, (values = new Map()));
    if (!values.has(run.value)) values.set(run.value, values.size);
    result.set(run.id, values.get(run.value)!);
  }
  return result;
}
