import { isStorageUri, isTerminal, newId, PurgedError, toStorageUri, UserError, type ExecutionRecord, type TaskRunRecord } from "@ferry/sdk";
import type { JsonStore } from "./json-store.js";
import { filesPrefix, planKey, recordsPrefix, taskFilesPrefix, taskOutputsKey } from "./storage-keys.js";
import { newState } from "./executor/execution-state.js";

export interface StoredExecution {
  execution: ExecutionRecord;
  taskRuns: TaskRunRecord[];
}

/**
 * The task runs a replay from `taskRunId` keeps, as Kestra's ExecutionService.replay does:
 * those that ended before that task run started (its predecessors, with their outputs),
 * and its enclosing flowables, which run again from where it stood. The task run itself,
 * what ran beside or after it and the `errors`/`finally` runs are dropped: the new execution
 * runs them afresh. Each kept run gets a new id; parents are remapped.
 */
export function keptTaskRuns(source: StoredExecution, taskRunId: string, executionId: string): { runs: TaskRunRecord[]; ancestors: Set<string>; ids: Map<string, string> } {
  const byId = new Map(source.taskRuns.map((r) => [r.id, r]));
  const target = byId.get(taskRunId);
  if (!target) throw new UserError(`task run ${taskRunId} is not a task run of execution ${source.execution.id}`, { status: 404 });
  const ancestors = new Set<string>();
  for (let p = target.parentTaskRunId; p; p = byId.get(p)?.parentTaskRunId) ancestors.add(p);
  const started = Date.parse(target.state.startDate);
  const keep = source.taskRuns.filter((r) => {
    if (ancestors.has(r.id)) return true;
    if (r.id === taskRunId || !isTerminal(r.state.current) || !r.state.endDate) return false;
    // a run whose parent is dropped goes with it
    for (let p = r.parentTaskRunId; p; p = byId.get(p)?.parentTaskRunId) if (!ancestors.has(p) && !(byId.get(p)?.state.endDate && Date.parse(byId.get(p)!.state.endDate!) <= started)) return false;
    return Date.parse(r.state.endDate) <= started;
  });
  const ids = new Map(keep.map((r) => [r.id, newId()]));
  const runs = keep.map((r) => ({
    // state, attempts and outputsUri named: an executor's held run has them as accessors, which a clone would leave out
    ...structuredClone({ ...r, state: r.state, attempts: r.attempts, outputsUri: r.outputsUri }),
    id: ids.get(r.id)!,
    executionId,
    parentTaskRunId: r.parentTaskRunId ? ids.get(r.parentTaskRunId) : undefined,
    // enclosing flowables take up their branches again
    ...(ancestors.has(r.id) ? { state: newState("RUNNING" as const) } : {}),
  }));
  return { runs, ancestors, ids };
}

/**
 * Copies what a kept task run points at into the new execution: its outputs and plan
 * documents, and the files it wrote, with every URI to them rewritten; so the replay lives
 * on once the source execution is purged. Bytes already purged refuse the replay (410).
 */
export async function copyTaskRunData(store: JsonStore, from: ExecutionRecord, to: ExecutionRecord, source: TaskRunRecord, copy: TaskRunRecord): Promise<void> {
  const oldFiles = taskFilesPrefix(filesPrefix(from), source.taskId, source.id);
  const newFiles = taskFilesPrefix(filesPrefix(to), copy.taskId, copy.id);
  const moved = new Map<string, string>();
  // each attempt writes under the run's folder, suffixed with its number after the first
  const folder = oldFiles.slice(0, oldFiles.lastIndexOf("/") + 1);
  const ofRun = (key: string) => key.startsWith(`${oldFiles}/`) || key.startsWith(`${oldFiles}.`);
  for (const key of (await store.storage.list(folder)).filter(ofRun)) {
    const bytes = await store.storage.get(key);
    if (!bytes) continue;
    const target = `${newFiles}${key.slice(oldFiles.length)}`;
    await store.storage.put(target, bytes);
    moved.set(toStorageUri(key), toStorageUri(target));
  }
  const rewrite = (value: unknown): unknown => {
    if (typeof value === "string") return isStorageUri(value) ? (moved.get(value) ?? value) : value;
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  try {
    if (source.outputsUri) copy.outputsUri = await store.write(taskOutputsKey(recordsPrefix(to), copy.taskId, copy.id), rewrite(await store.read(source.outputsUri)));
    if (source.planUri) copy.planUri = await store.write(planKey(recordsPrefix(to), copy.taskId, copy.id), await store.read(source.planUri));
  } catch (error) {
    if (error instanceof PurgedError) throw new UserError(`execution ${from.id} cannot be replayed: the outputs of task run ${source.id} were purged from internal storage`, { status: 410, cause: error });
    throw error;
  }
}

/** reads a stored document of the source execution, or refuses the replay (410) when it was purged */
export async function readForReplay<T>(store: JsonStore, from: ExecutionRecord, uri: string, what: string): Promise<T> {
  try {
    return await store.read<T>(uri);
  } catch (error) {
    if (error instanceof PurgedError) throw new UserError(`execution ${from.id} cannot be replayed: its ${what} (${uri}) was purged from internal storage`, { status: 410, cause: error });
    throw error;
  }
}
