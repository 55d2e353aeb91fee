import type { TaskRunRecord } from "@ferry/sdk";

/**
 * An execution's task runs by id, by (task, parent, value) and by task id. Built once when
 * the execution is read, then kept up to date as runs are added, and carried from one event
 * to the next with the execution (SavedExecutions): an event costs the same whatever the
 * execution's size (issue #18).
 */
export class TaskRunIndex {
  private readonly byKey = new Map<string, TaskRunRecord>();
  private readonly byIdMap = new Map<string, TaskRunRecord>();
  private readonly byTask = new Map<string, TaskRunRecord[]>();

  constructor(runs: Iterable<TaskRunRecord>) {
    for (const run of runs) this.add(run);
  }

  private static key(taskId: string, parentId: string | undefined, value: string | undefined): string {
    return `${taskId}\u0000${parentId ?? ""}\u0000${value ?? "\u0001"}`;
  }

  add(run: TaskRunRecord): void {
    this.byKey.set(TaskRunIndex.key(run.taskId, run.parentTaskRunId, run.value), run);
    this.byIdMap.set(run.id, run);
    const ofTask = this.byTask.get(run.taskId);
    if (ofTask) ofTask.push(run);
    else this.byTask.set(run.taskId, [run]);
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
}
