import { renderValue, type Callable, type RenderContext } from "@ferry/core";
import {
  connectionPropertiesOf, isStorageUri, secretReferenceOf, UserError, type Connection, type ConnectionTypeDefinition, type ExecutionsAccess, type LogLevel, type ProcessUser, type PurgeAccess, type RunContext, type RunnableTaskDefinition, type TaskDefinition, type TaskOutputs,
} from "@ferry/sdk";
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

const noRepository = async (): Promise<never> => {
  throw new UserError("runTask has no repository to purge: pass options.purge (a Purger over a real repository)");
};
const noPurge: PurgeAccess = { executions: noRepository, logs: noRepository, kv: noRepository };
const noExecutions: ExecutionsAccess = {
  count: async () => {
    throw new UserError("runTask has no repository to count executions in: pass options.executions");
  },
  logs: async () => {
    throw new UserError("runTask has no repository to read logs from: pass options.executions");
  },
};

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
  // the namespace's files, by path: readable through getFile of their URI, and through RunContext.namespaceFiles
  const nsFiles = new Map(Object.entries(options.namespaceFiles ?? {}).map(([path, value]) => [path.replace(/^\/+/, ""), bytes(value)]));
  const toggles: RunTaskResult["toggles"] = [];
  const purgedFiles: string[] = [];
  const cacheFiles = new Map<string, Uint8Array>();

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
  const ownNamespaceFiles = (o?: { namespace?: string }) => {
    if (o?.namespace && o.namespace !== namespace) throw new UserError(`runTask keeps the files of namespace ${namespace} only`);
  };
  const secret: Callable = (args) => {
    const name = String(args[0] ?? "");
    const value = options.secrets?.[name];
    if (value === undefined) throw new UserError(`secret ${name} not found in namespace ${namespace}`);
    return value;
  };
  const kvFunction: Callable = async (args) => (await kv.get(String(args[0])))?.value ?? null;
  // as the worker resolves them: secrets read now, the whole checked against the connection's type
  const connection = (id: string, type?: string): Connection => {
    const given = options.connections?.[id];
    if (!given) throw new UserError(`connection ${id} not found in namespace ${namespace} (give it in options.connections)`);
    if (type && given.type !== type) throw new UserError(`connection ${id} (namespace ${namespace}) is of type ${given.type}, not ${type}`);
    const definition = options.connectionTypes?.find((t) => t.type === given.type);
    if (!definition) throw new UserError(`connection type ${given.type}: give its definition in options.connectionTypes`);
    const values = Object.fromEntries(Object.entries(given.values).map(([k, v]) => {
      const name = secretReferenceOf(v);
      return [k, name === undefined ? v : secret([name], {})];
    }));
    return { id, type: given.type, namespace, values: definition.schema.parse(values) as Record<string, unknown> };
  };
  const connectionFunction: Callable = (args) => connection(String(args[0] ?? "")).values;
  const ctx: RenderContext = {
    variables: { inputs: options.inputs ?? {}, outputs: options.outputs ?? {}, flow: { id: "test", namespace }, execution: { id: "test-execution" } },
    functions: { secret, kv: kvFunction, connection: connectionFunction },
  };
  const raw = new Set(definition.rawProperties ?? []);
  const rendered: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(properties)) rendered[key] = raw.has(key) ? value : await renderValue(value, ctx);
  const props = definition.properties.parse(rendered) as Record<string, unknown>;
  for (const [property, type] of Object.entries(connectionPropertiesOf(definition.properties))) {
    if (typeof props[property] === "string") props[property] = connection(props[property] as string, type);
  }

  const controller = new AbortController();
  const timer = options.timeoutMs ? setTimeout(() => controller.abort(new Error(`Timeout after ${options.timeoutMs} ms`)), options.timeoutMs) : undefined;
  let workDir: Promise<string> | undefined;
  const log = (level: LogLevel) => (message: string) => void logs.push({ level, message });
  const run: RunContext = {
    execution: { id: "test-execution", namespace, flowId: "test", flowRevision: 1 },
    taskRun: { id: "test-task-run", taskId: "task", attempt: 0 },
    logger: { trace: log("TRACE"), debug: log("DEBUG"), info: log("INFO"), warn: log("WARN"), error: log("ERROR"), log: (level, message) => log(level)(message) },
    signal: controller.signal,
    render: (template, variables) => renderValue(template, variables ? { ...ctx, variables: { ...ctx.variables, ...variables } } : ctx),
    putFile: async (name, body) => {
      const uri = `ferry://test/test-execution/task/${name}`;
      stored[uri] = bytes(body);
      return uri;
    },
    getFile: async (uri) => {
      const found = stored[uri] ?? given.get(uri) ?? (uri.startsWith(namespacePrefix) ? nsFiles.get(uri.slice(namespacePrefix.length)) : undefined);
      if (!found) throw new UserError(`${uri}: no such file in this test (give it in options.files)`);
      return found;
    },
    listNamespaceFiles: async () => [...nsFiles.keys()].sort(),
    // kept for this run only: a test that needs them across executions runs the engine
    cacheFiles: {
      get: async (name) => cacheFiles.get(name),
      put: async (name, body) => void cacheFiles.set(name, body),
    },
    namespaceFiles: {
      list: async (o) => (ownNamespaceFiles(o), [...nsFiles.keys()].sort()),
      get: async (path, o) => (ownNamespaceFiles(o), nsFiles.get(path.replace(/^\/+/, ""))),
      put: async (path, body, o) => {
        ownNamespaceFiles(o);
        const key = path.replace(/^\/+/, "");
        if (nsFiles.has(key) && o?.conflict === "SKIP") return undefined;
        if (nsFiles.has(key) && o?.conflict === "ERROR") throw new UserError(`namespace file ${key} already exists in namespace ${namespace} (conflict: ERROR)`, { status: 409 });
        nsFiles.set(key, bytes(body));
        return `${namespacePrefix}${key}`;
      },
      delete: async (path, o) => (ownNamespaceFiles(o), nsFiles.delete(path.replace(/^\/+/, ""))),
    },
    executions: options.executions ?? noExecutions,
    executionFiles: {
      delete: async (uri) => {
        if (uri.startsWith(namespacePrefix)) throw new UserError(`${uri} is not a file of this execution`, { status: 403 });
        const had = uri in stored || given.has(uri);
        delete stored[uri];
        given.delete(uri);
        return had;
      },
      purge: async () => {
        const uris = [...Object.keys(stored), ...[...given.keys()].filter((uri) => !uri.startsWith(namespacePrefix))];
        for (const uri of uris) {
          delete stored[uri];
          given.delete(uri);
        }
        purgedFiles.push(...uris);
        return uris;
      },
    },
    triggers: {
      setEnabled: async (ref, enabled) => void toggles.push({ namespace: ref.namespace ?? namespace, flowId: ref.flowId ?? "test", triggerId: ref.triggerId, enabled }),
    },
    runTask: async (spec) => {
      const type = String(spec.type ?? "");
      const nested = (options.tasks ?? []).find((t) => t.type === type || t.aliases?.includes(type));
      if (!nested) throw new UserError(`runTask knows no task type '${type}': pass it in options.tasks`);
      if (nested.kind !== "runnable") throw new UserError(`The templated task must be a runnable task: ${type} is not`);
      const { type: _type, id: _id, description: _description, ...props } = spec;
      return nested.run({ ...run, render: async (template) => template }, nested.properties.parse(props));
    },
    kv,
    purge: options.purge ?? noPurge,
    workingDirectory: () => (workDir ??= mkdtemp(join(tmpdir(), "ferry-testkit-"))),
    metric: (name, value, o = {}) => void metrics.push({ name, value, type: o.type ?? "counter", tags: o.tags ?? {} }),
    ...(options.processUser ? { processUser: options.processUser } : {}),
  };
  try {
    const outputs = (await definition.run(run, props as P)) ?? undefined;
    return { outputs, logs, files: stored, metrics, kv: Object.fromEntries(pairs), namespaceFiles: Object.fromEntries(nsFiles), toggles, purgedFiles };
  } finally {
    clearTimeout(timer);
    if (workDir) await rm(await workDir, { recursive: true, force: true });
  }
}
