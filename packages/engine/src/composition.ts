import type { Backends, FerryConfig, PluginRegistry } from "@ferry/core";
import { parseDuration, setLongInterval, type AesGcm, type Repository, type Subscription } from "@ferry/sdk";
import { encryptionKey } from "./encryption-key.js";
import { errorLogReader, type ErrorLogReader } from "./error-logs.function.js";
import { EngineEvents } from "./events.js";
import { ExecutionService } from "./execution-service.js";
import { Executor } from "./executor/executor.js";
import { Reconciler } from "./executor/reconciler.js";
import { FlowStore } from "./flow-store.js";
import { JsonStore } from "./json-store.js";
import { KvStore } from "./kv-store.js";
import { startLogWriter, startMetricsWriter } from "./log-writer.js";
import { Purger } from "./purger.js";
import { WorkerDirectory } from "./worker-directory.js";
import { resolveProcessUser } from "./worker/process-user.js";
import { TaskCache } from "./worker/task-cache.js";
import { subflowFunction, type SubflowFunctionDeps } from "./subflow.function.js";
import { kvAccess, kvFunction } from "./worker/kv-access.js";
import { revealing, secretFunction } from "./secret-function.js";
import { Worker } from "./worker/worker.js";

/**
 * The one place a configuration becomes running engine parts. The server (API and executor),
 * a standalone worker, local mode (both in one process, on the same backends) and the tests'
 * harness all compose through here, so a part added to the engine is wired once.
 */

/** what both halves share: parts over the storage, made once per process */
export interface StorageParts {
  store: JsonStore;
  /** the repository, asked for lazily (what tasks reading executions, logs and triggers reach) */
  openRepository: () => Promise<Repository>;
  kv: KvStore;
  purger: Purger;
  taskCache: TaskCache;
  /** what errorLogs() reads */
  logs: ErrorLogReader;
}

/** the parts over storage; `repository` is asked for lazily (a worker opens one only when a task uses KV, a purge or the cache) */
export function composeStorageParts(backends: Pick<Backends, "storage"> & Partial<Pick<Backends, "queue">>, repository: () => Promise<Repository>): StorageParts {
  const store = new JsonStore(backends.storage);
  const kv = new KvStore(repository, backends.storage);
  const purger = new Purger(repository, backends.storage, kv, store, backends.queue);
  return { store, openRepository: repository, kv, purger, taskCache: new TaskCache(repository, store), logs: errorLogReader(repository) };
}

export interface SchedulerParts extends StorageParts {
  repository: Repository;
  events: EngineEvents;
  flows: FlowStore;
  executions: ExecutionService;
  executor: Executor;
  directory: WorkerDirectory;
  encryption: AesGcm | undefined;
  /** starts the executor, the log and metric writers, and recovery (reconcile once, or the periodic reconciler) */
  start(): Promise<{ resumed: number }>;
  /** stops what start() started, newest first */
  stop(): Promise<void>;
}

export interface SchedulerInput {
  config: FerryConfig;
  backends: Backends & { repository: Repository };
  registry: PluginRegistry;
  baseDir: string;
  /** local mode makes an encryption key in ./.ferry/ when none is configured */
  makeLocalKey: boolean;
  onError(error: unknown): void;
  /** parts over storage already made (local mode shares them with its worker) */
  storage?: StorageParts;
}

/** the executor side: what advances executions, and what it needs */
export async function composeScheduler(input: SchedulerInput): Promise<SchedulerParts> {
  const { config, backends, registry, onError } = input;
  const { repository, queue } = backends;
  const storage = input.storage ?? composeStorageParts(backends, async () => repository);
  const events = new EngineEvents();
  const flows = new FlowStore(repository, registry);
  const encryption = await encryptionKey(config.encryption.key, { baseDir: input.baseDir, makeLocal: input.makeLocalKey });
  // input templates may read the KV store of the flow's namespace, as a task may
  // and run a flow for its outputs (subflow(): `depth` calls deep when a subflow's own inputs call it)
  const subflowDeps: SubflowFunctionDeps = { flows, repository, store: storage.store, events, create: (request) => executions.create(request) };
  const inputFunctions = (namespace: string, depth = 0, reveal?: (secret: string) => void) => ({
    kv: kvFunction(kvAccess(storage.kv, namespace, config.kv.sharedNamespaces), namespace),
    subflow: subflowFunction(subflowDeps, depth),
    // an execution's own inputs may read secrets (Kestra's FlowInputOutput renders defaults with secret()); what it reads is sealed
    ...(reveal ? { secret: revealing(secretFunction(backends.secrets, namespace), reveal) } : {}),
  });
  const executions: ExecutionService = new ExecutionService(repository, storage.store, queue, events, encryption, inputFunctions);
  const executor = new Executor({ repository, queue, registry, store: storage.store, flows, executions, events, onError });
  const directory = new WorkerDirectory(queue);
  const stops: Array<() => Promise<void>> = [];
  return {
    ...storage, repository, events, flows, executions, executor, directory, encryption,
    async start() {
      await directory.start();
      stops.unshift(() => directory.stop());
      // another process's storage purge empties what this one's document cache holds of those executions
      const purges = await storage.purger.listen();
      stops.unshift(() => purges.close());
      const logWriter: Subscription = await startLogWriter(queue, repository, onError, events);
      stops.unshift(() => logWriter.close());
      const metricsWriter = await startMetricsWriter(queue, repository, onError);
      stops.unshift(() => metricsWriter.close());
      await executor.start();
      stops.unshift(() => executor.stop());
      // the in-memory queue starts empty: re-send what the repository says is unfinished
      if (config.queue.type === "memory") {
        // no reconciler in one process, but a failed release still must not hold a slot for good
        const repair = setLongInterval(() => void executor.repairConcurrency().catch(onError), parseDuration(config.executor.reconcileEvery));
        stops.unshift(async () => repair.cancel());
        return { resumed: await executor.reconcile() };
      }
      // a shared queue keeps its messages; the reconciler finds what it lost anyway (FLUSHALL, restart)
      const reconciler = new Reconciler({
        repository, queue, workers: directory, onError,
        everyMs: parseDuration(config.executor.reconcileEvery), staleAfterMs: parseDuration(config.executor.staleAfter),
      });
      await reconciler.start();
      stops.unshift(async () => reconciler.stop());
      return { resumed: 0 };
    },
    async stop() {
      for (const stop of stops.splice(0)) await stop();
    },
  };
}

export interface WorkerInput {
  config: FerryConfig;
  backends: Pick<Backends, "storage" | "queue" | "secrets">;
  registry: PluginRegistry;
  /** parts over storage (local mode: the scheduler's) */
  storage: StorageParts;
  /** the key SECRET inputs are opened with (local mode: the scheduler's; a worker: the configured one) */
  encryption: AesGcm | undefined;
  /** the command line's overrides of worker.concurrency and worker.groups */
  concurrency?: number;
  groups?: string[];
}

/** the worker side: takes task runs from the queue and runs them */
export function composeWorker(input: WorkerInput): Worker {
  const { config, backends, storage } = input;
  return new Worker({
    queue: backends.queue, registry: input.registry, store: storage.store, secrets: backends.secrets, encryption: input.encryption,
    kv: storage.kv, purge: storage.purger, repository: storage.openRepository, taskCache: storage.taskCache, kvSharedNamespaces: config.kv.sharedNamespaces, logs: storage.logs,
    concurrency: input.concurrency ?? config.worker.concurrency, groups: input.groups ?? config.worker.groups,
    processUser: config.worker.processUser ? resolveProcessUser(config.worker.processUser) : undefined,
  });
}

/** a worker running inside the server's process (local mode), as the server starts and stops it */
export interface InProcessWorker {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalWorkerInput {
  config: FerryConfig;
  /** relative paths in the configuration are resolved from here (worker threads open their own backends and plugins) */
  baseDir: string;
  backends: Pick<Backends, "storage" | "queue" | "secrets">;
  registry: PluginRegistry;
  /** the server's executor side, whose storage parts and encryption key the worker shares */
  scheduler: SchedulerParts;
}

/**
 * Local mode's worker: in the server's process, on the same backends, storage parts and key.
 * `ferry server local` hands this to the server, which thus never builds a worker itself.
 */
export function composeLocalWorker(input: LocalWorkerInput): InProcessWorker {
  const { scheduler } = input;
  const worker = composeWorker({ config: input.config, backends: input.backends, registry: input.registry, storage: scheduler, encryption: scheduler.encryption });
  return {
    async start() {
      await worker.start();
      worker.startAnnouncing();
    },
    stop: () => worker.stop(),
  };
}
