import { renderValue, type PluginRegistry, type RenderContext } from "@ferry/core";
import {
  assertSafeKey, namespaceFilesPrefix, PurgedError, storageKeyOf, toStorageUri, UserError,
  type AesGcm, type MetricEntry, type ProcessUser, type PurgeAccess, type Repository, type RunContext, type SecretBackend, type TaskLogger,
} from "@ferry/sdk";
import { buildRenderContext } from "../context.js";
import type { ErrorLogReader } from "../error-logs.function.js";
import type { JsonStore } from "../json-store.js";
import type { KvStore } from "../kv-store.js";
import type { WorkerJob } from "../messages.js";
import { secretFunction } from "../secret-function.js";
import { openSecretInputs } from "../secret-inputs.js";
import { readableStorageKey, upstreamOf } from "../file-functions.js";
import { taskFilesPrefix } from "../storage-keys.js";
import { cacheFilesAccess } from "./cache-files.js";
import { connectionFunction, connectionResolver, repositoryConnections, type ConnectionLookup, type ConnectionResolver } from "./connection-access.js";
import { kvAccess, kvFunction, maskedKv } from "./kv-access.js";
import type { SecretMasker } from "./secret-masker.js";
import { taskServices } from "./task-services.js";

/**
 * The one place a task's run context is built: the worker builds every attempt's here, and
 * testkit's runTask builds its own here on in-memory parts. A run-context feature is added
 * here once.
 */

/** what every run of a worker shares: its backends and the engine parts over them */
export interface RunParts {
  store: JsonStore;
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
  /** what tasks reading executions, logs, triggers and connections reach, asked for lazily */
  repository?: () => Promise<Repository>;
  /** where `errorLogs()` reads an execution's ERROR lines */
  logs?: ErrorLogReader;
  /** the user task processes run as (`worker.processUser`); absent: the worker's own */
  processUser?: ProcessUser;
  /** where connections are found; absent: in the repository */
  connections?: ConnectionLookup;
  /**
   * the repository-backed parts of the run context, given by a caller that has no repository
   * (testkit's runTask records them); absent, they are made over `repository`
   */
  services?: Partial<Pick<RunContext, "kv" | "executions" | "executionFiles" | "triggers">>;
}

/** what one attempt brings */
export interface RunInput {
  job: WorkerJob;
  /** every store the task reaches through its run context gets the masked value: logs, outputs, KV, files, metrics */
  masker: SecretMasker;
  logger: TaskLogger;
  /** aborts on kill, timeout or a lost lease: a render in progress stops too */
  signal: AbortSignal;
  workingDirectory: () => Promise<string>;
  /** where the task's metrics go, masked */
  onMetric(entry: MetricEntry): void;
  /** a WorkingDirectory's folder, which its children share (Kestra's `{{ workingDir }}`) */
  sharedDir?: string;
}

export interface TaskRunContext {
  runContext: RunContext;
  /** what the task's templates see (its properties, timeout, runIf) */
  renderContext: RenderContext;
  /** the run's connections (connection-typed properties are resolved with it, after the task cache) */
  connections: ConnectionResolver;
}

/** the task's templates' context: secrets, kv and connections of the flow's namespace, SECRET inputs opened */
export async function buildTaskRenderContext(parts: RunParts, job: WorkerJob, masker: SecretMasker, signal: AbortSignal) {
  const { task, context } = job;
  const namespace = context.flow.namespace;
  const kv = parts.services?.kv ? maskedKv(parts.services.kv, masker) : kvAccess(parts.kv, namespace, parts.kvSharedNamespaces, masker);
  const connections = connectionResolver(parts.connections ?? repositoryConnections(parts.repository), parts.registry, parts.secrets, namespace, masker);
  const renderContext = await buildRenderContext(context, parts.store, {
    // Kestra counts the attempts made before this one: 0 on the first
    taskrun: { ...job.taskrun, attemptsCount: job.attempt },
    task: { id: task.id, type: task.type },
    functions: {
      ...(parts.secrets ? { secret: masker.recording(secretFunction(parts.secrets, namespace)) } : {}),
      kv: kvFunction(kv, namespace),
      connection: connectionFunction(connections),
    },
    // a Loop's iteration reads its root execution's inputs, sealed under the root's id (loop-execution.ts shares the inputsUri)
    openInputs: (inputs) => openSecretInputs(inputs, context.loopRoot?.id ?? job.executionId, parts.encryption, (value) => masker.add(value)),
    signal,
    logs: parts.logs,
  });
  return { renderContext, kv, connections };
}

/** the task's run context and its templates' context, for one attempt of `job` */
export async function buildRunContext(parts: RunParts, run: RunInput): Promise<TaskRunContext> {
  const { job, masker } = run;
  const { task, context } = job;
  const { store } = parts;
  const namespace = context.flow.namespace;
  const { renderContext: ctx, kv, connections } = await buildTaskRenderContext(parts, job, masker, run.signal);
  if (run.sharedDir !== undefined) ctx.variables.workingDir = run.sharedDir;
  const filesPrefix = job.filesPrefix ?? job.recordsPrefix;
  const execution = { id: job.executionId, namespace, flowId: context.flow.id };
  const runContext: RunContext = {
    workingDirectory: run.workingDirectory,
    cacheFiles: cacheFilesAccess(store.storage, { namespace, flowId: context.flow.id, taskId: task.id }),
    kv,
    purge: parts.purge ?? noPurge,
    ...(parts.processUser ? { processUser: parts.processUser } : {}),
    metric: (name, value, options = {}) => {
      run.onMetric({
        executionId: job.executionId, namespace, flowId: context.flow.id, taskId: task.id, taskRunId: job.taskRunId,
        name: masker.mask(name), type: options.type ?? "counter", value, tags: masker.maskValue(options.tags ?? {}), timestamp: new Date().toISOString(),
      });
    },
    execution: { ...execution, flowRevision: context.flow.revision },
    taskRun: { id: job.taskRunId, taskId: task.id, value: job.taskrun.value, attempt: job.attempt },
    logger: run.logger,
    signal: run.signal,
    render: (template, variables) => renderValue(template, variables ? { ...ctx, variables: { ...ctx.variables, ...variables } } : ctx),
    ...taskServices({ storage: store.storage, repository: parts.repository, registry: parts.registry, masker, execution: { ...execution, flowRevision: context.flow.revision } }, () => runContext),
    ...withoutKv(parts.services),
    putFile: async (name, body) => {
      // the name is masked here, not in the outputs, so the URI the task gets back is the one that works
      const key = `${taskFilesPrefix(filesPrefix, task.id, job.taskRunId, job.attempt)}/${assertSafeKey(masker.mask(name))}`;
      await store.storage.put(key, typeof body === "string" ? masker.mask(body) : masker.maskBytes(body));
      return toStorageUri(key);
    },
    listNamespaceFiles: async () => {
      const prefix = `${namespaceFilesPrefix(namespace)}/`;
      return (await store.storage.list(prefix)).map((key) => key.slice(prefix.length));
    },
    getFile: async (uri) => {
      const key = storageKeyOf(uri);
      // what the file functions read, a task reads: a subflow's output file in its parent, a parent's batch in a subflow
      const scope = { namespace, flowId: context.flow.id, executionId: job.executionId, filesPrefix, trigger: upstreamOf(ctx.variables.trigger) };
      const allowed = key.startsWith(`${job.recordsPrefix}/`) || readableStorageKey(scope, key);
      if (!allowed) throw new UserError(`${uri} is not this execution's, nor a namespace file or task file of a namespace this flow may reach`, { status: 403 });
      const bytes = await store.storage.get(key);
      if (!bytes) throw new PurgedError(uri);
      return bytes;
    },
  };
  return { runContext, renderContext: ctx, connections };
}

/** the given services but kv (the render context's kv() uses it too, so it is taken above) */
function withoutKv(services: RunParts["services"]): Omit<NonNullable<RunParts["services"]>, "kv"> {
  const { kv: _kv, ...rest } = services ?? {};
  return Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
}

const unavailable = async (): Promise<never> => {
  throw new UserError("this worker cannot purge: it was started without a repository");
};
const noPurge: PurgeAccess = { executions: unavailable, logs: unavailable, kv: unavailable, flows: unavailable };
