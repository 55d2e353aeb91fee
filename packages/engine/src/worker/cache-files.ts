import { assertSafeKey, namespacePath, parseDuration, type CacheFilesAccess, type Storage } from "@ferry/sdk";

/**
 * RunContext.cacheFiles: a task's files kept between executions of its flow, as Kestra's
 * StorageContext keeps cache files (`<namespace>/<flowId>/_cache/<taskId>/…`). Storage keeps no
 * dates (its contract leaves metadata to others), so each file has a small record of when it
 * was written beside it; the age is checked against the `ttl` given when it is read back, as
 * Kestra's getCacheFile does. An expired file is deleted and reads as absent.
 */
export function cacheFilesAccess(storage: Storage, run: { namespace: string; flowId: string; taskId: string }, now = () => Date.now()): CacheFilesAccess {
  const keyOf = (name: string) => assertSafeKey(`${namespacePath(run.namespace)}/${run.flowId}/_cache/${run.taskId}/${encodeURIComponent(name || "default")}`);
  return {
    async get(name, options = {}) {
      const key = keyOf(name);
      const record = await storage.get(`${key}.json`);
      if (!record) return undefined;
      const { written } = JSON.parse(new TextDecoder().decode(record)) as { written: string };
      if (options.ttl && Date.parse(written) + parseDuration(options.ttl) <= now()) {
        await storage.delete(key);
        await storage.delete(`${key}.json`);
        return undefined;
      }
      return storage.get(key);
    },
    async put(name, body) {
      const key = keyOf(name);
      await storage.put(key, body);
      await storage.put(`${key}.json`, JSON.stringify({ written: new Date(now()).toISOString() }));
    },
  };
}
