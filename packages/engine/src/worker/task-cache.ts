import { isStorageUri, parseDuration, storageKeyOf, toStorageUri, type Repository } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { taskFilesPrefix, taskOutputsKey } from "../storage-keys.js";

/** a task cache without `ttl` never expires (Kestra's); this date stands for "never" */
const NEVER = "9999-12-31T23:59:59.999Z";
/** the part of a task file's key after `…/files/<taskId>/<taskRunId>/` */
const TASK_FILE = /\/files\/[^/]+\/[^/]+\/(.+)$/;

/** JSON with object keys sorted, so equal values always hash alike */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export interface CachedRun {
  namespace: string;
  flowId: string;
  taskId: string;
  taskRunId: string;
  attempt: number;
  /** where this task run writes its outputs and its files */
  recordsPrefix: string;
  filesPrefix: string;
}

/**
 * The task cache (`taskCache: {enabled, ttl}`): the outputs of a successful run, keyed by a
 * hash of the flow, the task, its rendered properties and the execution's inputs. A hit
 * copies the outputs (and the files they name) into the new task run, so purging the run
 * that filled the cache never breaks the runs that reused it; an entry whose bytes are gone
 * is a miss. The repository is asked for lazily, as the KV store does.
 */
export class TaskCache {
  constructor(private readonly repository: () => Promise<Repository>, private readonly store: JsonStore, private readonly now = () => new Date()) {}

  async key(parts: { namespace: string; flowId: string; taskId: string; type: string; properties: unknown; inputs: unknown }): Promise<string> {
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(canonical(parts)));
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  /** the outputs URI of this run when the cache holds the key (`null`: a hit without outputs), `undefined` on a miss */
  async lookup(key: string, run: CachedRun): Promise<string | null | undefined> {
    const repository = await this.repository();
    const entry = await repository.getTaskCache(key);
    if (!entry) return undefined;
    if (Date.parse(entry.expires) <= this.now().getTime()) {
      await repository.deleteTaskCache(key);
      return undefined;
    }
    if (!entry.outputsUri) return null;
    const copied = await this.copy(entry.outputsUri, run);
    if (copied === undefined) await repository.deleteTaskCache(key);
    return copied;
  }

  async remember(key: string, run: CachedRun, outputsUri: string | undefined, ttl: string | undefined): Promise<void> {
    const now = this.now();
    const expires = ttl ? new Date(now.getTime() + parseDuration(ttl)).toISOString() : NEVER;
    await (await this.repository()).saveTaskCache({
      key, namespace: run.namespace, flowId: run.flowId, taskId: run.taskId, outputsUri: outputsUri ?? "", expires, created: now.toISOString(),
    });
  }

  /** the cached outputs written as this run's, each task file they name copied under this run; undefined when any byte is gone */
  private async copy(outputsUri: string, run: CachedRun): Promise<string | undefined> {
    const { storage } = this.store;
    const source = await storage.get(storageKeyOf(outputsUri));
    if (!source) return undefined;
    const outputs = JSON.parse(new TextDecoder().decode(source)) as unknown;
    let missing = false;
    const moved = new Map<string, string>();
    const visit = async (value: unknown): Promise<unknown> => {
      if (isStorageUri(value)) {
        const file = TASK_FILE.exec(storageKeyOf(value));
        if (!file) return value;
        const target = toStorageUri(`${taskFilesPrefix(run.filesPrefix, run.taskId, run.taskRunId, run.attempt)}/${file[1]}`);
        if (!moved.has(value)) {
          const bytes = await storage.get(storageKeyOf(value));
          if (!bytes) missing = true;
          else await storage.put(storageKeyOf(target), bytes);
          moved.set(value, target);
        }
        return target;
      }
      if (Array.isArray(value)) return Promise.all(value.map(visit));
      if (value && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(value)) out[k] = await visit(v);
        return out;
      }
      return value;
    };
    const rewritten = await visit(outputs);
    if (missing) return undefined;
    return this.store.write(taskOutputsKey(run.recordsPrefix, run.taskId, run.taskRunId, run.attempt), rewritten);
  }
}
