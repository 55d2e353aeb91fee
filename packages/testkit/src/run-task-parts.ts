import { storageKeyOf, toStorageUri, UserError, type ExecutionFilesAccess, type ExecutionsAccess, type KvAccess, type PurgeAccess, type Storage, type TriggersAccess } from "@ferry/sdk";

/*
 * The run-context parts runTask gives itself because it has no repository: the engine makes
 * them over one (KV metadata, executions, triggers, an execution's record). Each keeps what
 * the task did, for the result, or fails saying which option stands in for it.
 */

const noRepository = async (): Promise<never> => {
  throw new UserError("runTask has no repository to purge: pass options.purge (a Purger over a real repository)");
};
export const noPurge: PurgeAccess = { executions: noRepository, logs: noRepository, kv: noRepository, flows: noRepository };

export const noExecutions: ExecutionsAccess = {
  count: async () => {
    throw new UserError("runTask has no repository to count executions in: pass options.executions");
  },
  logs: async () => {
    throw new UserError("runTask has no repository to read logs from: pass options.executions");
  },
};

/** the KV store of the task's namespace, in memory (the engine's keeps its metadata in the repository) */
export function memoryKv(namespace: string, initial: Record<string, unknown>): KvAccess & { pairs: Map<string, unknown> } {
  const pairs = new Map(Object.entries(initial));
  const own = (o?: { namespace?: string }) => {
    if (o?.namespace && o.namespace !== namespace) throw new UserError(`runTask keeps the KV store of namespace ${namespace} only`);
  };
  return {
    pairs,
    get: async (key, o) => (own(o), pairs.has(key) ? { type: typeof pairs.get(key) === "string" ? "STRING" : "JSON", value: pairs.get(key) } : undefined),
    set: async (key, value, o) => {
      own(o);
      if (o?.overwrite === false && pairs.has(key)) throw new UserError(`Cannot set value for key '${key}'. Key already exists and \`overwrite\` is set to \`false\`.`);
      pairs.set(key, value);
    },
    keys: async (prefix = "", o) => (own(o), [...pairs.keys()].filter((k) => k.startsWith(prefix)).sort()),
    delete: async (key, o) => (own(o), pairs.delete(key)),
  };
}

/** the triggers a task switched, in order */
export function recordedTriggers(namespace: string, flowId: string) {
  const toggles: Array<{ namespace: string; flowId: string; triggerId: string; enabled: boolean }> = [];
  const access: TriggersAccess = {
    setEnabled: async (ref, enabled) => void toggles.push({ namespace: ref.namespace ?? namespace, flowId: ref.flowId ?? flowId, triggerId: ref.triggerId, enabled }),
  };
  return { access, toggles };
}

/**
 * The test execution's files: those the test gave (`given`, storage keys) and those the task
 * stored under `storedPrefix`; never the namespace's files. The engine finds an execution's
 * folders from its record in the repository; runTask knows them.
 */
export function testExecutionFiles(storage: Storage, given: Set<string>, storedPrefix: string, namespaceFilesPrefix: string) {
  const purged: string[] = [];
  const access: ExecutionFilesAccess = {
    async delete(uri) {
      const key = storageKeyOf(uri);
      if (key.startsWith(namespaceFilesPrefix)) throw new UserError(`${uri} is not a file of this execution`, { status: 403 });
      given.delete(key);
      return storage.delete(key);
    },
    async purge() {
      const keys = [...(await storage.list(storedPrefix)), ...given];
      const removed: string[] = [];
      for (const key of keys) if (await storage.delete(key)) removed.push(toStorageUri(key));
      given.clear();
      purged.push(...removed);
      return removed;
    },
  };
  return { access, purged };
}
