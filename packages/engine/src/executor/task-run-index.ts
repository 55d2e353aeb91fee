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
  private readonly byKey = new Map<string, TaskRunRecord>();
  private readonly byIdMap = new Map<string, TaskRunRecord>();
  private readonly byTask = new Map<string, TaskRunRecord[]>();
  private readonly byIteration = new Map<string, TaskRunRecord[]>();
  /** the value of a run's outermost enclosing loop (its own value outside loops' children); undefined outside loops */
  private readonly outermost = new Map<string, string | undefined>();

  constructor(runs: Iterable<TaskRunRecord>) {
    const all = [...runs];
    // ids first: a run's outermost value is found through its parents, whatever order the runs came in
    for (const run of all) this.byIdMap.set(run.id, run);
    for (const run of all) this.add(run);
  }

  private static key(taskId: string, parentId: string | undefined, value: string | undefined): string {
    return `${taskId}\u0000${parentId ?? ""}\u0000${value ?? "\u0001"}`;
  }

  add(run: TaskRunRecord): void {
    this.byKey.set(TaskRunIndex.key(run.taskId, run.parentTaskRunId, run.value), run);
    this.byIdMap.set(run.id, run);
    push(this.byTask, run.taskId, run);
    push(this.byIteration, `${run.taskId}\u0000${this.outermostOf(run) ?? NO_LOOP}`, run);
  }

  private outermostOf(run: TaskRunRecord): string | undefined {
    if (this.outermost.has(run.id)) return this.outermost.get(run.id);
    // iteratively up to the first run already known (or the root): a deep tree cannot overflow the stack
    const chain: TaskRunRecord[] = [];
    let known: string | undefined;
    for (let r: TaskRunRecord | undefined = run; r; r = r.parentTaskRunId ? this.byIdMap.get(r.parentTaskRunId) : undefined) {
      if (this.outermost.has(r.id)) {
        known = this.outermost.get(r.id);
        break;
      }
      chain.push(r);
    }
    for (const r of chain.reverse()) {
      known = known ?? r.value;
      this.outermost.set(r.id, known);
    }
    return known;
  }

  find(taskId: string, parentId: string | undefined, value: string | undefined): TaskRunRecord | undefined {
    return this.byKey.get(TaskRunIndex.key(taskId, parentId, value));
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
    const outside = this.byIteration.get(`${taskId}\u0000${NO_LOOP}`) ?? [];
    if (value === undefined) return outside;
    return [...outside, ...(this.byIteration.get(`${taskId}\u0000${value}`) ?? [])];
  }
}
