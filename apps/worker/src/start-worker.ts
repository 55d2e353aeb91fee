import { closeBackends, configureRenderLimits, createBackends, loadPlugins, openRepository, PluginRegistry, retryWhileUnavailable, type FerryConfig } from "@ferry/core";
import type { Queue, Repository } from "@ferry/sdk";
import { BUILT_IN_BACKENDS, composeStorageParts, composeWorker, configureInstance, encryptionKey, type Worker } from "@ferry/engine";
import { setNamespaceIsolation, UserError } from "@ferry/sdk";
import { runtimeName } from "./runtime.js";

export interface StartWorkerOptions {
  config: FerryConfig;
  baseDir: string;
  concurrency?: number;
  groups?: string[];
  /**
   * Local mode's worker threads: the main thread's memory queue, reached over a message port,
   * stands in for the configured one; and SECRET inputs open with the key local mode keeps in
   * ./.ferry/ when none is configured.
   */
  local?: { queue?: Queue };
}

/**
 * A stateless worker: the queue, internal storage and plugins, no repository. It holds
 * nothing that is not also in the queue or storage, so it may be killed at any time.
 */
export async function startWorker(options: StartWorkerOptions): Promise<{ worker: Worker; stop(graceMs?: number): Promise<void> }> {
  const { config, baseDir } = options;
  configureRenderLimits(config.render ?? {});
  configureInstance(config.instance, config.variables?.globals);
  setNamespaceIsolation(config.namespaces.isolation);
  if (config.worker.threads !== undefined && !options.local) {
    throw new UserError("invalid configuration at worker.threads: it sets local mode's worker threads (ferry server local); a standalone worker is one thread: start more workers instead");
  }
  if (config.queue.type === "memory" && !options.local?.queue) {
    throw new UserError("invalid configuration at queue.type: a standalone worker takes its jobs from a shared queue (queue.type: redis)");
  }
  const sources = { baseDir, builtIns: BUILT_IN_BACKENDS };
  const backends = await retryWhileUnavailable(
    async () => {
      const created = await createBackends(config, sources, { repository: false });
      return options.local?.queue ? { ...created, queue: options.local.queue } : created;
    },
    (line) => console.error(JSON.stringify({ level: "error", msg: line })),
  );
  try {
    const registry = new PluginRegistry(await loadPlugins(config.plugins, baseDir));
    // KV metadata, purges and the task cache live in the repository: opened on first use, never for workers that make none
    let kvRepository: Promise<Repository> | undefined;
    const repository = () => (backends.repository ? Promise.resolve(backends.repository) : (kvRepository ??= openRepository(config, sources)));
    const storage = composeStorageParts(backends, repository);
    const worker = composeWorker({
      config, backends, registry, storage,
      encryption: await encryptionKey(config.encryption.key, { baseDir, makeLocal: options.local !== undefined }),
      concurrency: options.concurrency, groups: options.groups,
    });
    await worker.start();
    // a purge elsewhere (the API, a retention sweep, another worker's PurgeExecutions) empties this worker's cache of it too
    const purges = await storage.purger.listen();
    worker.startAnnouncing(2000, runtimeName);
    return {
      worker,
      stop: async (graceMs = 30_000) => {
        await purges.close();
        await worker.stop(graceMs);
        await closeBackends(backends);
        await (await kvRepository?.catch(() => undefined))?.close?.();
      },
    };
  } catch (error) {
    await closeBackends(backends);
    throw error;
  }
}
