import type { TaskRunRecord } from "@ferry/sdk";

const NO_LOOP = "\u0001";

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * An execution's task runs by id, by (task, parent, value), by task id, and by task id and
 * outermost loop value (what `outputs.x[taskrun.value]` reads). Built once when
 * the execution is read, then kept up to date as runs are added, and carried from one event
 * to the next with the execution (SavedExecutions): an event costs the same whatever the
 * execution's size (issue #18).
 */
export class TaskRunIndex {
  /** task id → parent id ("" for none) → value (NO_LOOP for none): nested, not one joined string per run, which cost 64 bytes a run */
  private readonly byKey = new Map<string, Map<string, Map<string, TaskRunRecord>>>();
  private readonly byIdMap = new Map<string, TaskRunRecord>();
  private readonly byTask = new Map<string, TaskRunRecord[]>();
  /** per task, its runs by outermost loop value: made for a task on the first read of it by iteration */
  private readonly byIteration = new Map<string, Map<string, TaskRunRecord[]>>();

  constructor(runs: Iterable<TaskRunRecord>) {
    for (const run of runs) this.add(run);
  }

  add(run: TaskRunRecord): void {
    let byParent = this.byKey.get(run.taskId);
    if (!byParent) this.byKey.set(run.taskId, (byParent = new Map()));
    const parent = run.parentTaskRunId ?? "";
    let byValue = byParent.get(parent);
    if (!byValue) byParent.set(parent, (byValue = new Map()));
    byValue.set(run.value ?? NO_LOOP, run);
    this.byIdMap.set(run.id, run);
    push(this.byTask, run.taskId, run);
    const iterations = this.byIteration.get(run.taskId);
    if (iterations) push(iterations, this.outermostOf(run) ?? NO_LOOP, run);
  }

  /** the value of a run's outermost enclosing loop (its own outside loops' children); undefined outside loops. Walked up, not kept: few levels, and a map per run would cost more */
  private outermostOf(run: TaskRunRecord): string | undefined {
    let outermost = run.value;
    for (let p = run.parentTaskRunId ? this.byIdMap.get(run.parentTaskRunId) : undefined; p; p = p.parentTaskRunId ? this.byIdMap.get(p.parentTaskRunId) : undefined) {
      if (p.value !== undefined) outermost = p.value;
    }
    return outermost;
  }

  find(taskId: string, parentId: string | undefined, value: string | undefined): TaskRunRecord | undefined {
    return this.byKey.get(taskId)?.get(parentId ?? "")?.get(value ?? NO_LOOP);
  }

  byId(id: string): TaskRunRecord | undefined {
    return this.byIdMap.get(id);
  }

  /** the runs of one task, in the order they were added */
  ofTask(taskId: string): readonly TaskRunRecord[] {
    return this.byTask.get(taskId) ?? [];
  }

  /** the runs of one task in the iteration of this outermost loop value, and those outside any loop */
  ofTaskInIteration(taskId: string, value: string | undefined): readonly TaskRunRecord[] {
    let iterations = this.byIteration.get(taskId);
    if (!iterations) {
      iterations = new Map();
      for (const run of this.ofTask(taskId)) push(iterations, this.outermostOf(run) ?? NO_LOOP, run);
      this.byIteration.set(taskId, iterations);
    }
    const outside = iterations.get(NO_LOOP) ?? [];
    if (value === undefined) return outside;
    return [...outside, ...(iterations.get(value) ?? [])];
  }
}
