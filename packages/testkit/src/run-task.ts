import { renderValue, type Callable } from "@ferry/core";
import { isStorageUri, UserError, type LogLevel, type ProcessUser, type PurgeAccess, type RunContext, type RunnableTaskDefinition, type TaskOutputs } from "@ferry/sdk";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
}

export interface RunTaskResult {
  outputs: TaskOutputs | undefined;
  logs: Array<{ level: LogLevel; message: string }>;
  /** files the task stored (putFile), by URI */
  files: Record<string, Uint8Array>;
  metrics: Array<{ name: string; value: number; type: string; tags: Record<string, string> }>;
  /** the KV pairs after the run */
  kv: Record<string, unknown>;
}

const noRepository = async (): Promise<never> => {
  throw new UserError("runTask has no repository to purge: pass options.purge (a Purger over a real repository)");
};
const noPurge: PurgeAccess = { executions: noRepository, logs: noRepository, kv: noRepository };

const bytes = (v: string | Uint8Array) => (typeof v === "string" ? new TextEncoder().encode(v) : v);

/**
 * Runs one runnable task the way a worker does — its properties rendered from templates
 * (inputs, outputs, secret()), validated by its schema, then `run` with a full RunContext —
 * on in-memory stand-ins for storage and logs, so a plugin's tests need no server.
 */
export async function runTask<P>(definition: RunnableTaskDefinition<P>, properties: Record<string, unknown>, options: RunTaskOptions = {}): Promise<RunTaskResult> {
  const namespace = options.namespace ?? "test";
  const logs: RunTaskResult["logs"] = [];
  const stored: Record<string, Uint8Array> = {};
  const metrics: RunTaskResult["metrics"] = [];
  const given = new Map<string, Uint8Array>();
  for (const [key, value] of Object.entries(options.files ?? {})) given.set(isStorageUri(key) ? key : `ferry://test/${key}`, bytes(value));
  const namespacePrefix = `ferry://${namespace.split(".").join("/")}/_files/`;
  for (const [path, value] of Object.entries(options.namespaceFiles ?? {})) given.set(`${namespacePrefix}${path.replace(/^\/+/, "")}`, bytes(value));

  const pairs = new Map(Object.entries(options.kv ?? {}));
  const ownNamespace = (o?: { namespace?: string }) => {
    if (o?.namespace && o.namespace !== namespace) throw new UserError(`runTask keeps the KV store of namespace ${namespace} only`);
  };
  const kv: RunContext["kv"] = {
    get: async (key, o) => (ownNamespace(o), pairs.has(key) ? { type: typeof pairs.get(key) === "string" ? "STRING" : "JSON", value: pairs.get(key) } : undefined),
    set: async (key, value, o) => {
      ownNamespace(o);
      if (o?.overwrite === false && pairs.has(key)) throw new UserError(`KV key ${key} already exists in namespace ${namespace} (overwrite: false)`);
      pairs.set(key, value);
    },
    keys: async (prefix = "", o) => (ownNamespace(o), [...pairs.keys()].filter((k) => k.startsWith(prefix)).sort()),
    delete: async (key, o) => (ownNamespace(o), pairs.delete(key)),
  };
  const secret: Callable = (args) => {
    const name = String(args[0] ?? "");
    const value = options.secrets?.[name];
    if (value === undefined) throw new UserError(`secret ${name} not found in namespace ${namespace}`);
    return value;
  };
  const kvFunction: Callable = async (args) => (await kv.get(String(args[0])))?.value ?? null;
  const ctx = { variables: { inputs: options.inputs ?? {}, outputs: options.outputs ?? {}, flow: { id: "test", namespace }, execution: { id: "test-execution" } }, functions: { secret, kv: kvFunction } };
  const raw = new Set(definition.rawProperties ?? []);
  const rendered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) rendered[key] = raw.has(key) ? value : await renderValue(value, ctx);
  const props = definition.properties.parse(rendered);

  const controller = new AbortController();
  const timer = options.timeoutMs ? setTimeout(() => controller.abort(new Error(`Timeout after ${options.timeoutMs} ms`)), options.timeoutMs) : undefined;
  let workDir: Promise<string> | undefined;
  const log = (level: LogLevel) => (message: string) => void logs.push({ level, message });
  const run: RunContext = {
    execution: { id: "test-execution", namespace, flowId: "test", flowRevision: 1 },
    taskRun: { id: "test-task-run", taskId: "task", attempt: 0 },
    logger: { trace: log("TRACE"), debug: log("DEBUG"), info: log("INFO"), warn: log("WARN"), error: log("ERROR"), log: (level, message) => log(level)(message) },
    signal: controller.signal,
    render: (template) => renderValue(template, ctx),
    putFile: async (name, body) => {
      const uri = `ferry://test/test-execution/task/${name}`;
      stored[uri] = bytes(body);
      return uri;
    },
    getFile: async (uri) => {
      const found = stored[uri] ?? given.get(uri);
      if (!found) throw new UserError(`${uri}: no such file in this test (give it in options.files)`);
      return found;
    },
    listNamespaceFiles: async () => Object.keys(options.namespaceFiles ?? {}).map((p) => p.replace(/^\/+/, "")),
    kv,
    purge: options.purge ?? noPurge,
    workingDirectory: () => (workDir ??= mkdtemp(join(tmpdir(), "ferry-testkit-"))),
    metric: (name, value, o = {}) => void metrics.push({ name, value, type: o.type ?? "counter", tags: o.tags ?? {} }),
    ...(options.processUser ? { processUser: options.processUser } : {}),
  };
  try {
    const outputs = (await definition.run(run, props)) ?? undefined;
    return { outputs, logs, files: stored, metrics, kv: Object.fromEntries(pairs) };
  } finally {
    clearTimeout(timer);
    if (workDir) await rm(await workDir, { recursive: true, force: true });
  }
}
