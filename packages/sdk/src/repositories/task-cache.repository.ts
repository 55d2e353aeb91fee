import type { TaskCacheRecord } from "../model.js";

/** outputs a task run produced for a cache key, until the entry expires */
export interface TaskCacheRepository {
  /** the task cache entry of a key, expired ones too: callers decide */
  getTaskCache(key: string): Promise<TaskCacheRecord | undefined>;
  /** stores the entry, replacing the key's previous one */
  saveTaskCache(record: TaskCacheRecord): Promise<void>;
  deleteTaskCache(key: string): Promise<boolean>;
}
