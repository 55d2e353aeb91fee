import { COMMON_TASK_KEYS, PluginRegistry } from "@ferry/core";
import { buildRunContext, JsonStore, lazyWorkingDirectory, renderProperties, SecretMasker, withConnections, type OutputRef, type WorkerJob } from "@ferry/engine";
import { EnvSecretBackend } from "@ferry/secrets-env";
import {
  assertSafeKey, definePlugin, isStorageUri, namespaceFileKey, namespaceFilesPrefix, storageKeyOf, toStorageUri, UserError,
  type ConnectionTypeDefinition, type ExecutionsAccess, type LogLevel, type ProcessUser, type PurgeAccess, type RunnableTaskDefinition, type Storage, type TaskDefinition, type TaskLogger, type TaskOutputs,
} from "@ferry/sdk";
import { createLocalStorage } from "@ferry/storage-local";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryKv, noExecutions, noPurge, recordedTriggers, testExecutionFiles } from "./run-task-parts.js";

export interface RunTaskOptions {
  /** what `{{ inputs.x }}` reads */
  inputs?: Record<string, unknown>;
  /** what `{{ outputs.task.x }}` reads: earlier tasks' outputs by task id */
  outputs?: Record<string, unknown>;
  /** the KV store's pairs of the task's namespace, by key (changed by the task; see the result's kv) */
  kv?: Record<string, unknown>;
  /** what `{{ secret('NAME') }}` reads */
  secrets?: Record<string, string>;
  /** files the task may read with getFile: by `ferry://` URI, or by plain name (as `ferry://test/<name>`) */
  files?: Record<string, string | Uint8Array>;
  /** the namespace's files (listNamespaceFiles, getFile of their URIs), by path */
  namespaceFiles?: Record<string, string | Uint8Array>;
  namespace?: string;
  /** aborts the task's signal, as a task timeout does */
  timeoutMs?: number;
  /** what RunContext.purge does; without it a purge fails saying runTask has no repository */
  purge?: PurgeAccess;
  /** RunContext.processUser: the user the task's processes run as, as worker.processUser sets it (the test must run as root) */
  processUser?: ProcessUser;
  /** what RunContext.executions answers (counts, logs); without it those calls fail saying runTask has no repository */
  executions?: ExecutionsAccess;
  /** the task types RunContext.runTask may run (TemplatedTask-like tasks), by type or alias */
  tasks?: TaskDefinition[];
  /**
   * the namespace's connections by id, as saved (`{{ secret('NAME') }}` references read
   * `secrets`): what a connection-typed property and `{{ connection('id') }}` get, resolved and
   * checked against their type, given in `connectionTypes`
   */
  connections?: Record<string, { type: string; values: Record<string, unknown> }>;
  connectionTypes?: ConnectionTypeDefinition[];
}

export interface RunTaskResult {
  outputs: TaskOutputs | undefined;
  logs: Array<{ level: LogLevel; message: string }>;
  /** files the task stored (putFile), by URI */
  files: Record<string, Uint8Array>;
  metrics: Array<{ name: string; value: number; type: string; tags: Record<string, string> }>;
  /** the KV pairs after the run */
  kv: Record<string, unknown>;
  /** the namespace's files after the run, by path */
  namespaceFiles: Record<string, Uint8Array>;
  /** the triggers the task enabled or disabled, in order */
  toggles: Array<{ namespace: string; flowId: string; triggerId: string; enabled: boolean }>;
  /** URIs of the execution's files the task purged */
  purgedFiles: string[];
}

const bytes = (v: string | Uint8Array) => (typeof v === "string" ? new TextEncoder().encode(v) : v);

/** the test execution: given files are `ferry://test/<name>`, within its files prefix, so the task may read them */
const EXECUTION = { id: "test-execution", flowId: "test", prefix: "test" } as const;
const TASK = { id: "task", runId: "test-task-run" } as const;

/**
 * Runs one runnable task the way a worker does — its properties rendered from templates
 * (inputs, outputs, secret(), kv(), connection()), validated by its schema, connection-typed
 * properties resolved, then `run` with the run context the worker builds (the engine's
 * buildRunContext) — on real parts in a temporary folder (local storage, secrets as the env
 * backend reads them) and in-memory stand-ins for what lives in the repository (KV metadata,
 * triggers, executions), so a plugin's tests need no server.
 */
export async function runTask<P>(definition: RunnableTaskDefinition<P>, properties: Record<string, unknown>, options: RunTaskOptions = {}): Promise<RunTaskResult> {
  const namespace = options.namespace ?? "test";
  const dir = await mkdtemp(join(tmpdir(), "ferry-testkit-"));
  const workDir = lazyWorkingDirectory("ferry-testkit-");
  const controller = new AbortController();
  const timer = options.timeoutMs ? setTimeout(() => controller.abort(new Error(`Timeout after ${options.timeoutMs} ms`)), options.timeoutMs) : undefined;
  try {
    const storage = createLocalStorage({ type: "local", path: join(dir, "storage") });
    await storage.init();
    const store = new JsonStore(storage);
    const given = await seedFiles(storage, namespace, options);
    const storedPrefix = `${EXECUTION.prefix}/files/`;
    const kv = memoryKv(namespace, options.kv ?? {});
    const triggers = recordedTriggers(namespace, EXECUTION.flowId);
    const executionFiles = testExecutionFiles(storage, given, storedPrefix, `${namespaceFilesPrefix(namespace)}/`);
    const job = await testJob(store, definition.type, properties, namespace, options);
    const masker = new SecretMasker();
    const logs: RunTaskResult["logs"] = [];
    const metrics: RunTaskResult["metrics"] = [];
    const { runContext, renderContext, connections } = await buildRunContext(
      {
        store,
        registry: new PluginRegistry([definePlugin({ name: "runTask (options.tasks)", version: "0", tasks: byType([definition, ...(options.tasks ?? [])]), connectionTypes: options.connectionTypes ?? [] })]),
        secrets: envSecrets(options.secrets ?? {}),
        purge: options.purge ?? noPurge,
        processUser: options.processUser,
        connections: async (_namespace, id) => {
          const saved = options.connections?.[id];
          return saved ? { namespace, id, ...saved, created: "", updated: "" } : undefined;
        },
        services: { kv, executions: options.executions ?? noExecutions, executionFiles: executionFiles.access, triggers: triggers.access },
      },
      {
        job,
        masker,
        logger: collectingLogger(logs, (message) => masker.mask(message)),
        signal: controller.signal,
        workingDirectory: workDir.get,
        onMetric: (entry) => metrics.push({ name: entry.name, value: entry.value, type: entry.type, tags: entry.tags }),
      },
    );
    // rendered and checked as a worker renders them, the connection-typed ones resolved after
    const props = await withConnections(definition, await renderProperties(definition, job.task, renderContext), connections, TASK.id);
    const outputs = (await definition.run(runContext, props as P)) ?? undefined;
    return {
      outputs, logs, metrics,
      files: await filesUnder(storage, storedPrefix, (key) => toStorageUri(key)),
      kv: Object.fromEntries(kv.pairs),
      namespaceFiles: await filesUnder(storage, `${namespaceFilesPrefix(namespace)}/`, (key) => key.slice(namespaceFilesPrefix(namespace).length + 1)),
      toggles: triggers.toggles,
      purgedFiles: executionFiles.purged,
    };
  } finally {
    clearTimeout(timer);
    await workDir.remove();
    await rm(dir, { recursive: true, force: true });
  }
}

/** the job a worker would get for this task: the test execution's identity, inputs and earlier outputs in storage */
async function testJob(store: JsonStore, type: string, properties: Record<string, unknown>, namespace: string, options: RunTaskOptions): Promise<WorkerJob> {
  // in a flow these keys are every task's own (timeout, retry…), handled around the task: never its properties
  const common = Object.keys(properties).find((key) => COMMON_TASK_KEYS.has(key));
  if (common) throw new UserError(`runTask: '${common}' is a key every task has in a flow, not a property of ${type}${common === "timeout" ? " (use options.timeoutMs)" : ""}`);
  // beside the execution's files, not among them: a purge leaves them, as it leaves an execution's records
  const inputsUri = await store.write("_runtask/inputs.json", options.inputs ?? {});
  const outputs: OutputRef[] = [];
  for (const [taskId, value] of Object.entries(options.outputs ?? {})) outputs.push({ taskId, uri: await store.write(`_runtask/outputs/${encodeURIComponent(taskId)}.json`, value) });
  return {
    executionId: EXECUTION.id, taskRunId: TASK.runId, attempt: 0,
    task: { ...properties, id: TASK.id, type },
    taskrun: { id: TASK.runId },
    context: {
      flow: { id: EXECUTION.flowId, namespace, revision: 1 },
      execution: { id: EXECUTION.id, startDate: new Date().toISOString(), originalId: EXECUTION.id },
      labels: {}, inputsUri, outputs,
    },
    recordsPrefix: EXECUTION.prefix,
  };
}

/** the files the test gives, in storage; answers the keys of the execution's ones (a purge removes those) */
async function seedFiles(storage: Storage, namespace: string, options: RunTaskOptions): Promise<Set<string>> {
  const given = new Set<string>();
  const nsPrefix = `${namespaceFilesPrefix(namespace)}/`;
  for (const [name, value] of Object.entries(options.files ?? {})) {
    const key = isStorageUri(name) ? storageKeyOf(name) : assertSafeKey(`${EXECUTION.prefix}/${name}`);
    if (!key.startsWith(`${EXECUTION.prefix}/`) && !key.startsWith(nsPrefix)) {
      throw new UserError(`options.files: ${name} is outside the test execution (${toStorageUri(EXECUTION.prefix)}/…) and the namespace's files: a task reads only those`);
    }
    await storage.put(key, bytes(value));
    if (!key.startsWith(nsPrefix)) given.add(key);
  }
  for (const [path, value] of Object.entries(options.namespaceFiles ?? {})) await storage.put(namespaceFileKey(namespace, path), bytes(value));
  return given;
}

async function filesUnder(storage: Storage, prefix: string, name: (key: string) => string) {
  const out: Record<string, Uint8Array> = {};
  for (const key of await storage.list(prefix)) out[name(key)] = (await storage.get(key))!;
  return out;
}

/** secrets as the env backend reads them (SECRET_<NAME>, base64): the one the embedded defaults use */
function envSecrets(secrets: Record<string, string>): EnvSecretBackend {
  return new EnvSecretBackend(Object.fromEntries(Object.entries(secrets).map(([name, value]) => [`SECRET_${name}`, Buffer.from(value).toString("base64")])));
}

/** the task, then the types runTask may run nested, each once */
function byType(tasks: TaskDefinition[]): TaskDefinition[] {
  const seen = new Set<string>();
  return tasks.filter((t) => !seen.has(t.type) && seen.add(t.type));
}

function collectingLogger(logs: RunTaskResult["logs"], mask: (message: string) => string): TaskLogger {
  const log = (level: LogLevel) => (message: string) => void logs.push({ level, message: mask(message) });
  return { trace: log("TRACE"), debug: log("DEBUG"), info: log("INFO"), warn: log("WARN"), error: log("ERROR"), log: (level, message) => log(level)(message) };
}
