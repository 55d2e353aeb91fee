import { renderString, type PluginRegistry } from "@ferry/core";
import {
  assertSafeKey, errorMessage, isLeaseLost, setLongTimeout, type LongTimer, type AesGcm, formatClock, namespaceFilesPrefix, namespacePath, newId, parseDuration, PurgedError, storageKeyOf, toStorageUri,
  isUnexpected, OperationalError, isUnrecoverable, UserError,
  type Delivery, type KvAccess, type LogLevel, type MetricEntry, type ProcessUser, type PurgeAccess, type Queue, type Repository, type RunContext, type SecretBackend, type Subscription, type TaskLogger,
} from "@ferry/sdk";
import { renderValue } from "@ferry/core";
import { buildRenderContext } from "../context.js";
import type { ErrorLogReader } from "../error-logs.function.js";
import type { JsonStore } from "../json-store.js";
import { EXECUTOR_CHANNEL, jobsChannel, KILL_TOPIC, METRICS_CHANNEL, WORKERS_TOPIC, type ExecutorEvent, type KillMessage, type WorkerAnnouncement, type WorkerJob } from "../messages.js";
import { renderProperties } from "../render-properties.js";
import { secretFunction } from "../secret-function.js";
import { taskFilesPrefix, taskOutputsKey } from "../storage-keys.js";
import { openSecretInputs } from "../secret-inputs.js";
import type { KvStore } from "../kv-store.js";
import { kvAccess, kvFunction } from "./kv-access.js";
import { connectionFunction, connectionResolver, withConnections, type ConnectionResolver } from "./connection-access.js";
import { SecretMasker } from "./secret-masker.js";
import type { CachedRun, TaskCache } from "./task-cache.js";
import { BufferedTaskLogger } from "./task-logger.js";
import { cacheFilesAccess } from "./cache-files.js";
import { runSharedFolder, type SharedFolderRun } from "./shared-folder-run.js";
import { taskServices } from "./task-services.js";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WorkerOptions {
  queue: Queue;
  registry: PluginRegistry;
  /** where `{{ secret('NAME') }}` is resolved */
  secrets?: SecretBackend;
  /** opens SECRET inputs: the server's encryption key */
  encryption?: AesGcm;
  /** the KV store tasks and `kv()` reach */
  kv?: KvStore;
  /** namespaces whose KV pairs every flow may use (kv.sharedNamespaces) */
  kvSharedNamespaces?: string[];
  /** what purge tasks reach (RunContext.purge) */
  purge?: PurgeAccess;
  /** where `taskCache` keeps and finds outputs */
  taskCache?: TaskCache;
  /** the user task processes run as (`worker.processUser`, resolved with resolveProcessUser); absent: the worker's own */
  processUser?: ProcessUser;
  /** where `errorLogs()` reads an execution's ERROR lines */
  logs?: ErrorLogReader;
  /** what tasks reading executions, logs and triggers reach, asked for lazily */
  repository?: () => Promise<Repository>;
  store: JsonStore;
  concurrency: number;
  groups: string[];
  workerId?: string;
}

const STARTED_AFTER_MS = 50;

/** the task's `timeout` passed: the attempt fails and its retry policy applies, as for any transient failure */
class TimeoutError extends OperationalError {
  constructor(readonly ms: number) {
    super(`Timeout after ${formatClock(ms)}`);
  }
}

/** the worker is stopping and gives the task run back to the executor */
class HandedBackError extends Error {
  constructor() {
    super("handed back");
  }
}

class KilledError extends Error {
  constructor() {
    super("killed");
  }
}

/**
 * Runs runnable task runs: renders properties, runs the plugin with its run context,
 * writes outputs to storage and reports the result. It keeps nothing that is not also in
 * the queue, the repository or storage, so it can be killed at any time.
 */
export class Worker {
  readonly id: string;
  private readonly running = new Map<string, { executionId: string; controller: AbortController; job: WorkerJob }>();
  private readonly killed = new Map<string, number>();
  private subscriptions: Subscription[] = [];
  private announcer?: ReturnType<typeof setInterval>;

  constructor(private readonly options: WorkerOptions) {
    this.id = options.workerId ?? newId();
  }

  async start(): Promise<void> {
    const { queue, groups, concurrency } = this.options;
    this.subscriptions.push(await queue.subscribe<KillMessage>(KILL_TOPIC, (m) => this.kill(m)));
    for (const group of groups) {
      this.subscriptions.push(await queue.consume<WorkerJob>(jobsChannel(group), (job, delivery) => this.take(job, delivery), { concurrency }));
    }
  }

  /**
   * Stops taking jobs, lets running tasks finish for up to `graceMs`, then hands the rest
   * back: the executor gives each a new attempt on another worker.
   */
  async stop(graceMs = 0): Promise<void> {
    clearInterval(this.announcer);
    for (const s of this.subscriptions) await s.close();
    this.subscriptions = [];
    const deadline = Date.now() + graceMs;
    while (this.running.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const r of this.running.values()) {
      r.controller.abort(new HandedBackError());
    }
    while (this.running.size) await new Promise((r) => setTimeout(r, 5));
    await this.announce(true).catch(() => undefined);
  }

  /** publishes this worker and what it runs, every `everyMs` (GET /api/v1/workers) */
  startAnnouncing(everyMs = 2000, runtime = "node"): void {
    this.runtime = runtime;
    void this.announce().catch(() => undefined);
    this.announcer = setInterval(() => void this.announce().catch(() => undefined), everyMs);
  }

  private runtime = "node";

  private announce(stopping = false): Promise<void> {
    const message: WorkerAnnouncement = {
      id: this.id, groups: this.options.groups, concurrency: this.options.concurrency, runtime: this.runtime,
      running: this.runningTaskRuns(), date: new Date().toISOString(), ...(stopping ? { stopping } : {}),
    };
    return this.options.queue.broadcast(WORKERS_TOPIC, message);
  }

  /** what runs here now, for the workers API */
  runningTaskRuns(): Array<{ executionId: string; taskRunId: string; taskId: string }> {
    return [...this.running.entries()].map(([taskRunId, r]) => ({ executionId: r.executionId, taskRunId, taskId: r.job.task.id }));
  }

  private kill(message: KillMessage) {
    for (const { taskRunId, attempt } of message.taskRuns) {
      this.killed.set(`${taskRunId}:${attempt}`, Date.now());
      const running = this.running.get(taskRunId);
      if (running && running.job.attempt === attempt) running.controller.abort(new KilledError());
    }
    while (this.killed.size > 10_000) this.killed.delete(this.killed.keys().next().value!);
  }

  /**
   * A job delivered again was held by a worker that died: the executor decides what
   * happens (a new attempt, unless the execution was killed), so it is not run as is.
   */
  private async take(job: WorkerJob, delivery: Delivery): Promise<void> {
    if (delivery.deliveries > 1) {
      await this.options.queue.send<ExecutorEvent>(
        EXECUTOR_CHANNEL,
        { type: "lost", executionId: job.executionId, taskRunId: job.taskRunId, attempt: job.attempt, workerId: this.id },
        { key: job.executionId },
      );
      return;
    }
    await this.run(job, delivery.lease);
  }

  /**
   * The task cache's answer for this run: `hit` set (a URI, or null for a hit without
   * outputs) when it can be skipped. A cache out of reach never fails the task: it runs.
   */
  private async cacheLookup(job: WorkerJob, properties: unknown, inputs: unknown, logger: TaskLogger): Promise<{ key: string; run: CachedRun; hit?: string | null } | undefined> {
    const cache = this.options.taskCache;
    if (!cache) return undefined;
    const { task, context } = job;
    const run: CachedRun = {
      namespace: context.flow.namespace, flowId: context.flow.id, taskId: task.id, taskRunId: job.taskRunId, attempt: job.attempt,
      recordsPrefix: job.recordsPrefix, filesPrefix: job.filesPrefix ?? job.recordsPrefix,
    };
    try {
      const key = await cache.key({ namespace: run.namespace, flowId: run.flowId, taskId: task.id, type: task.type, properties, inputs });
      const hit = await cache.lookup(key, run);
      if (hit !== undefined) logger.info(`outputs taken from the task cache (key ${key.slice(0, 12)}…); the task did not run`);
      return { key, run, hit };
    } catch (error) {
      logger.warn(`task cache unavailable, running the task: ${errorMessage(error)}`);
      return undefined;
    }
  }

  private async cacheRemember(cache: { key: string; run: CachedRun }, outputsUri: string | undefined, ttl: string | undefined, logger: TaskLogger): Promise<void> {
    try {
      await this.options.taskCache!.remember(cache.key, cache.run, outputsUri, ttl);
    } catch (error) {
      logger.warn(`could not store the outputs in the task cache: ${errorMessage(error)}`);
    }
  }

  /**
   * logToFile: the attempt's log lines as a file of the task run in internal storage, as
   * Kestra's RunContextLogger keeps them; its URI goes on the attempt. A file that cannot be
   * stored leaves the attempt without one, never the result unsent.
   */
  private async storeLogFile(job: WorkerJob, logger: LogFileHolder): Promise<string | undefined> {
    const text = logger.fileText();
    if (text === undefined) return undefined;
    const key = `${taskFilesPrefix(job.filesPrefix ?? job.recordsPrefix, job.task.id, job.taskRunId, job.attempt)}/log-attempt-${job.attempt + 1}.txt`;
    return this.options.store.storage.put(key, text).then(
      () => toStorageUri(key),
      () => undefined,
    );
  }

  /** what the task's templates see, as a worker renders them (secrets, kv, connections, SECRET inputs opened) */
  private renderContext(job: WorkerJob, masker: SecretMasker, kv: KvAccess, connections: ConnectionResolver, signal: AbortSignal) {
    const { task, context } = job;
    return buildRenderContext(context, this.options.store, {
      // Kestra counts the attempts made before this one: 0 on the first
      taskrun: { ...job.taskrun, attemptsCount: job.attempt },
      task: { id: task.id, type: task.type },
      functions: {
        ...(this.options.secrets ? { secret: masker.recording(secretFunction(this.options.secrets, context.flow.namespace)) } : {}),
        kv: kvFunction(kv, context.flow.namespace),
        connection: connectionFunction(connections),
      },
      openInputs: (inputs) => openSecretInputs(inputs, job.executionId, this.options.encryption, (value) => masker.add(value)),
      signal,
      logs: this.options.logs,
    });
  }

  /** a WorkingDirectory child's runIf, rendered as the executor renders it for other tasks */
  private async runIfHolds(job: WorkerJob, signal: AbortSignal): Promise<boolean> {
    const masker = new SecretMasker();
    const kv = kvAccess(this.options.kv, job.context.flow.namespace, this.options.kvSharedNamespaces, masker);
    const connections = connectionResolver(this.options.repository, this.options.registry, this.options.secrets, job.context.flow.namespace, masker);
    const rendered = await renderValue(job.task.runIf, await this.renderContext(job, masker, kv, connections, signal));
    return rendered === true || String(rendered).trim().toLowerCase() === "true";
  }

  /**
   * Runs one attempt and reports it; answers what it reported (a WorkingDirectory goes on with
   * its next child). `shared`: the attempt is a WorkingDirectory's child, in its folder.
   */
  private async run(job: WorkerJob, lease?: AbortSignal, shared?: SharedFolderRun): Promise<Outcome | undefined> {
    const { queue, registry, store } = this.options;
    const { task, context } = job;
    const masker = new SecretMasker();
    // every store the task reaches through its run context gets the masked value: logs, outputs, KV, files, metrics
    const kv = kvAccess(this.options.kv, context.flow.namespace, this.options.kvSharedNamespaces, masker);
    const connections = connectionResolver(this.options.repository, registry, this.options.secrets, context.flow.namespace, masker);
    const logger = new BufferedTaskLogger(
      queue,
      { executionId: job.executionId, namespace: context.flow.namespace, flowId: context.flow.id, taskId: task.id, taskRunId: job.taskRunId, attemptNumber: job.attempt },
      undefined,
      (message) => masker.mask(message),
      { minLevel: task.logLevel as LogLevel | undefined, toFile: task.logToFile === true },
    );
    const send = (event: ExecutorEvent) => queue.send(EXECUTOR_CHANNEL, event, { key: job.executionId });
    const startDate = new Date().toISOString();
    // quick tasks report once, with their start date; a task still running after
    // STARTED_AFTER_MS also says so, so the execution shows it RUNNING while it runs
    const started = setTimeout(() => {
      void send({ type: "started", executionId: job.executionId, taskRunId: job.taskRunId, attempt: job.attempt, workerId: this.id, date: startDate });
    }, STARTED_AFTER_MS);
    const metrics: MetricEntry[] = [];
    let outcome: Outcome | undefined;
    const report = async (state: "SUCCESS" | "WARNING" | "FAILED" | "KILLED", outputsUri?: string, cached?: boolean, unrecoverable?: boolean) => {
      outcome = { state, ...(outputsUri ? { outputsUri } : {}), ...(unrecoverable ? { unrecoverable } : {}) };
      clearTimeout(started);
      await logger.flush();
      const logFile = await this.storeLogFile(job, logger);
      // like logs, metrics land no later than the state
      if (metrics.length) await queue.send(METRICS_CHANNEL, metrics.splice(0));
      await send({
        type: "result", executionId: job.executionId, taskRunId: job.taskRunId, attempt: job.attempt, state, outputsUri, startDate, workerId: this.id, date: new Date().toISOString(),
        ...(cached ? { cached } : {}),
        ...(unrecoverable ? { unrecoverable } : {}),
        ...(logFile ? { logFile } : {}),
      });
    };
    if (this.killed.has(`${job.taskRunId}:${job.attempt}`)) {
      await report("KILLED");
      return outcome;
    }

    const def = registry.task(task.type);
    const sharedFolder = def?.kind === "flowable" && job.sharedFolder ? def.sharedFolder : undefined;
    if (!def || (def.kind !== "runnable" && !sharedFolder)) {
      logger.error(def ? `task type '${task.type}' is not runnable on a worker` : `${registry.unknownTypeMessage(task.type)} (on worker ${this.id})`);
      await report("FAILED");
      return outcome;
    }
    const controller = new AbortController();
    // a WorkingDirectory's kill, timeout or loss stops the child it runs
    const onParentAbort = () => controller.abort(shared!.signal.reason);
    shared?.signal.addEventListener("abort", onParentAbort, { once: true });
    if (shared?.signal.aborted) onParentAbort();
    // the queue could no longer prove this worker holds the job: stop before another worker takes it
    const onLeaseLost = () => controller.abort(lease!.reason);
    lease?.addEventListener("abort", onLeaseLost, { once: true });
    if (lease?.aborted) onLeaseLost();
    this.running.set(job.taskRunId, { executionId: job.executionId, controller, job });
    let timer: LongTimer | undefined;
    try {
      // a kill or the task's timeout stops a render in progress too
      const ctx = await this.renderContext(job, masker, kv, connections, controller.signal);
      // Kestra's `{{ workingDir }}`: the folder a WorkingDirectory's children share
      if (shared) ctx.variables.workingDir = shared.dir;
      if (task.timeout) {
        const ms = parseDuration(await renderString(String(task.timeout), ctx));
        timer = setLongTimeout(() => controller.abort(new TimeoutError(ms)), ms);
      }
      const rendered = await renderProperties(def, task, ctx);
      const cache = task.taskCache?.enabled ? await this.cacheLookup(job, rendered, ctx.variables.inputs, logger) : undefined;
      if (cache?.hit !== undefined) {
        await report("SUCCESS", cache.hit ?? undefined, true);
        return outcome;
      }
      // after the cache: a hit needs no connection opened; the key holds the connection's id, never its secrets
      const props = await withConnections(def, rendered, connections, task.id);
      // a WorkingDirectory's children share its folder, which it removes once they all ran
      const workDir = shared ? { get: async () => shared.dir, remove: async () => undefined } : lazyWorkingDirectory();
      const runContext: RunContext = {
        workingDirectory: workDir.get,
        cacheFiles: cacheFilesAccess(store.storage, { namespace: context.flow.namespace, flowId: context.flow.id, taskId: task.id }),
        kv,
        purge: this.options.purge ?? noPurge,
        ...(this.options.processUser ? { processUser: this.options.processUser } : {}),
        metric: (name, value, options = {}) => {
          metrics.push({
            executionId: job.executionId, namespace: context.flow.namespace, flowId: context.flow.id, taskId: task.id, taskRunId: job.taskRunId,
            name: masker.mask(name), type: options.type ?? "counter", value, tags: masker.maskValue(options.tags ?? {}), timestamp: new Date().toISOString(),
          });
        },
        execution: { id: job.executionId, namespace: context.flow.namespace, flowId: context.flow.id, flowRevision: context.flow.revision },
        taskRun: { id: job.taskRunId, taskId: task.id, value: job.taskrun.value, attempt: job.attempt },
        logger,
        signal: controller.signal,
        render: (template, variables) => renderValue(template, variables ? { ...ctx, variables: { ...ctx.variables, ...variables } } : ctx),
        ...taskServices(
          { storage: store.storage, repository: this.options.repository, registry, masker, execution: { id: job.executionId, namespace: context.flow.namespace, flowId: context.flow.id } },
          () => runContext,
        ),
        putFile: async (name, body) => {
          // the name is masked here, not in the outputs, so the URI the task gets back is the one that works
          const key = `${taskFilesPrefix(job.filesPrefix ?? job.recordsPrefix, task.id, job.taskRunId, job.attempt)}/${assertSafeKey(masker.mask(name))}`;
          await store.storage.put(key, typeof body === "string" ? masker.mask(body) : masker.maskBytes(body));
          return toStorageUri(key);
        },
        listNamespaceFiles: async () => {
          const prefix = `${namespaceFilesPrefix(context.flow.namespace)}/`;
          return (await store.storage.list(prefix)).map((key) => key.slice(prefix.length));
        },
        getFile: async (uri) => {
          const key = storageKeyOf(uri);
          const own = [job.recordsPrefix, job.filesPrefix ?? job.recordsPrefix].some((prefix) => key.startsWith(`${prefix}/`));
          const allowed = own || key.startsWith(`${namespacePath(context.flow.namespace)}/_files/`);
          if (!allowed) throw new UserError(`${uri} belongs to another execution or namespace`, { status: 403 });
          const bytes = await store.storage.get(key);
          if (!bytes) throw new PurgedError(uri);
          return bytes;
        },
      };
      let childrenState: Outcome["state"] = "SUCCESS";
      const running =
        def.kind === "runnable"
          ? def.run(runContext, props)
          : runSharedFolder(
              {
                send, workerId: this.id,
                runChild: (childJob, childShared) => this.run(childJob, lease, childShared),
                runIfHolds: (childJob) => this.runIfHolds(childJob, controller.signal),
              },
              job,
              sharedFolder!,
              runContext,
              props,
            ).then((result) => {
              childrenState = result.state;
              return result.outputs;
            });
      // the working folder goes once the task itself is done, even when the worker stopped waiting (kill, timeout)
      void running.catch(() => undefined).finally(() => workDir.remove());
      // a secret the task resolved never reaches storage, the API or a later task through its outputs
      // as JSON first, as they are stored: a Map, a class with toJSON or a null-prototype object is masked like a plain one
      const outputs = masker.maskValue(asJson(await untilAborted(running, controller.signal)));
      const outputsUri = outputs && Object.keys(outputs).length ? await store.write(taskOutputsKey(job.recordsPrefix, task.id, job.taskRunId, job.attempt), outputs) : undefined;
      if (cache) await this.cacheRemember(cache, outputsUri, task.taskCache?.ttl, logger);
      await report(childrenState, outputsUri);
    } catch (error) {
      const reason = controller.signal.aborted ? controller.signal.reason : error;
      if (isLeaseLost(reason)) {
        clearTimeout(started);
        logger.warn(`worker ${this.id} lost its lease on the task run (${errorMessage(reason)}); its processes were killed and it goes to another worker`);
        // Redis may be out of reach: never wait for it here; the queue hands the job on either way
        void logger.flush().then(() => send({ type: "lost", executionId: job.executionId, taskRunId: job.taskRunId, attempt: job.attempt, workerId: this.id })).catch(() => undefined);
      } else if (reason instanceof HandedBackError) {
        clearTimeout(started);
        logger.warn(`worker ${this.id} is stopping; the task run goes to another worker`);
        await logger.flush();
        await send({ type: "lost", executionId: job.executionId, taskRunId: job.taskRunId, attempt: job.attempt, workerId: this.id });
      } else if (reason instanceof KilledError) {
        logger.warn("task killed");
        await report("KILLED");
      } else if (isUnrecoverable(reason)) {
        logger.error(`${errorMessage(reason)} (unrecoverable: not retried)`);
        await report("FAILED", undefined, false, true);
      } else {
        logger.error(errorMessage(reason));
        // a plugin's bug: its author needs the stack; a UserError or OperationalError says all in its message
        if (isUnexpected(reason) && reason instanceof Error && reason.stack) logger.debug(`unexpected error (a bug in ${task.type}?): ${reason.stack}`);
        await report("FAILED");
      }
    } finally {
      timer?.cancel();
      lease?.removeEventListener("abort", onLeaseLost);
      shared?.signal.removeEventListener("abort", onParentAbort);
      this.running.delete(job.taskRunId);
    }
    return outcome;
  }
}

/** what an attempt reported */
export interface Outcome {
  state: "SUCCESS" | "WARNING" | "FAILED" | "KILLED";
  outputsUri?: string;
  /** an UnrecoverableError: never retried */
  unrecoverable?: boolean;
}

export interface LogFileHolder {
  fileText(): string | undefined;
}

const unavailable = async (): Promise<never> => {
  throw new UserError("this worker cannot purge: it was started without a repository");
};
const noPurge: PurgeAccess = { executions: unavailable, logs: unavailable, kv: unavailable };

/** a task run's private folder, made when first asked for */
function lazyWorkingDirectory(): { get: () => Promise<string>; remove: () => Promise<void> } {
  let made: Promise<string> | undefined;
  return {
    get: () => (made ??= mkdtemp(join(tmpdir(), "ferry-task-"))),
    remove: async () => {
      if (made) await rm(await made, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

function asJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** ends as soon as the signal aborts, even if the task ignores it */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
