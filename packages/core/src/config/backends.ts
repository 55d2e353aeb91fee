import {
  BACKEND_KINDS, errorMessage, isBackendDefinition, OperationalError, parseBackendOptions, UserError, withMappedErrors, type BackendContext, type BackendDefinition, type BackendKind, type BackendKinds, type Queue, type Repository,
  type SecretBackend, type Storage,
} from "@ferry/sdk";
import { resolve } from "node:path";
import { assertSdkMajor, importSpec, isLocalSpec, isNotFound } from "../plugins/import-module.js";
import type { FerryConfig } from "./config.schema.js";
import { historyBackendSection } from "./history-section.js";

/**
 * The names a `type:` may use for the backends that come with a distribution of Ferry, per
 * kind, and the npm package (or folder) each name stands for. Core lists none: the
 * composition root that ships the backends gives its table (packages/engine's
 * BUILT_IN_BACKENDS), so a built-in loads exactly as an outside backend does and the name
 * only saves writing the package. A backend is imported only when chosen, so a process
 * never loads a driver it does not use (better-sqlite3 cannot load under Deno, and a worker
 * needs no database at all).
 */
export type BuiltInBackends = { readonly [K in BackendKind]: Readonly<Record<string, string>> };

/** where backend types are resolved: relative paths from `baseDir`, built-in names through `builtIns` */
export interface BackendSources {
  baseDir: string;
  builtIns: BuiltInBackends;
}

/**
 * The backend definition a `type:` names: a built-in name, an npm package or a folder or
 * file (relative to `baseDir`) whose module exports `defineBackend({ kind, … })` as default
 * or as `backend`. Every refusal names `<kind>.type`.
 */
export async function resolveBackend<K extends BackendKind>(kind: K, type: string, sources: BackendSources): Promise<BackendDefinition<K>> {
  const { baseDir, builtIns } = sources;
  const at = `invalid configuration at ${kind}.type`;
  const builtIn = Object.hasOwn(builtIns[kind], type) ? builtIns[kind][type] : undefined;
  let module: Record<string, unknown>;
  try {
    module = await importSpec(builtIn ?? type, baseDir);
  } catch (error) {
    if (!builtIn && isNotFound(error, type)) {
      const where = isLocalSpec(type) ? `: nothing at ${resolve(baseDir, type)}` : "";
      const names = Object.keys(builtIns[kind]);
      const known = names.length ? `built-in: ${names.join(", ")}; or an npm package` : "an npm package";
      throw new UserError(`${at}: unknown ${kind} type '${type}' (${known} or folder exporting a ${kind} backend)${where}`, { cause: error });
    }
    throw new UserError(`${at}: ${kind} backend '${type}' failed to load: ${(error as Error).message}`, { cause: error });
  }
  const definition = [module.default, module.backend].find(isBackendDefinition);
  if (!definition) {
    const plugin = [module.default, module.plugin].some((v) => !!v && typeof v === "object" && "tasks" in v);
    const hint = plugin ? "it is a task plugin: list it under plugins" : `export default defineBackend({ kind: "${kind}", … })`;
    throw new UserError(`${at}: '${type}' exports no backend (${hint})`);
  }
  if (definition.kind !== kind) {
    throw new UserError(`${at}: '${type}' is a ${definition.kind} backend, not a ${kind} backend (name it as ${definition.kind}.type)`);
  }
  assertSdkMajor(`${at}: ${kind} backend '${type}'`, definition.sdkMajor);
  return definition as BackendDefinition<K>;
}

/** A configuration section resolved and validated, not yet created. */
export interface ConfiguredBackend<K extends BackendKind = BackendKind> {
  kind: K;
  /** what the section's `type:` says */
  type: string;
  definition: BackendDefinition<K>;
  options: unknown;
}

/** resolves the section's type and validates its other keys with the backend's schema */
export async function configureBackend<K extends BackendKind>(kind: K, section: { type: string }, sources: BackendSources): Promise<ConfiguredBackend<K>> {
  const definition = await resolveBackend(kind, section.type, sources);
  return { kind, type: section.type, definition, options: parseBackendOptions(definition, section, kind) };
}

export async function instantiate<K extends BackendKind>(backend: ConfiguredBackend<K>, context: BackendContext): Promise<BackendKinds[K]> {
  try {
    const instance = await backend.definition.create(backend.options, context);
    const { mapError } = backend.definition;
    return mapError ? withMappedErrors(instance, (error) => mapError(error)) : instance;
  } catch (error) {
    // a factory that validates again (a schema of its own) still names the key
    const issues = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
    if (issues?.length) throw new UserError(`invalid configuration at ${[backend.kind, ...issues[0].path.map(String)].join(".")}: ${issues[0].message}`, { cause: error });
    throw error;
  }
}

export interface Backends {
  repository?: Repository;
  storage: Storage;
  secrets: SecretBackend;
  queue: Queue;
}

/**
 * Creates and initialises the configured backends; `repository: false` for a worker (which
 * still gets one when its secret backend needs the repository). Every section is resolved
 * and validated before any backend is created, so a typo in one opens nothing.
 */
export async function createBackends(config: FerryConfig, sources: BackendSources, needs: { repository: boolean }): Promise<Backends> {
  const { baseDir } = sources;
  const secrets = await configureBackend("secrets", config.secrets, sources);
  const wantsRepository = needs.repository || secrets.definition.needsRepository === true;
  const repositoryBackend = wantsRepository ? await configureBackend("repository", config.repository, sources) : undefined;
  const storage = await configureBackend("storage", config.storage, sources);
  const queue = await configureBackend("queue", config.queue, sources);

  const repository = repositoryBackend ? await instantiate(repositoryBackend, { baseDir }) : undefined;
  const backends: Backends = {
    repository,
    storage: await instantiate(storage, { baseDir }),
    secrets: await instantiate(secrets, { baseDir, repository }),
    queue: await instantiate(queue, { baseDir }),
  };
  try {
    for (const backend of [backends.repository, backends.storage, backends.secrets, backends.queue] as Array<{ init?(): Promise<void> } | undefined>) {
      await backend?.init?.();
    }
  } catch (error) {
    // close them all, the one that failed too: its client may still be trying to connect
    await closeBackends(backends);
    throw error;
  }
  return backends;
}

/** the configured repository alone, initialised: a worker opens it when a task first needs it (KV) */
export async function openRepository(config: FerryConfig, sources: BackendSources): Promise<Repository> {
  const repository = await instantiate(await configureBackend("repository", config.repository, sources), { baseDir: sources.baseDir });
  await repository.init?.();
  return repository;
}

export async function closeBackends(backends: Backends): Promise<void> {
  for (const backend of [backends.queue, backends.secrets, backends.storage, backends.repository] as Array<{ close?(): Promise<void> } | undefined>) {
    await backend?.close?.().catch(() => undefined);
  }
}

export interface BackendCheck {
  kind: BackendKind;
  type: string;
  /** `connected`: its check() reached the service; `no check`: the backend has none; `not asked`: without `connect` */
  connection: "connected" | "no check" | "not asked";
}

/**
 * What `ferry config check` runs: every section resolved and validated as `createBackends`
 * does, nothing created. With `connect`, each backend's `check()` (when it has one) tries
 * to reach its service: a configuration it refuses (a token, a bucket) is the backend's
 * UserError naming the key; out of reach is an OperationalError naming the section.
 */
export async function checkBackends(config: FerryConfig, sources: BackendSources, options: { connect?: boolean } = {}): Promise<BackendCheck[]> {
  const { baseDir } = sources;
  const configured: ConfiguredBackend[] = [];
  for (const kind of BACKEND_KINDS) configured.push(await configureBackend(kind, kind === "history" ? historyBackendSection(config) : config[kind], sources));
  const checks: BackendCheck[] = [];
  for (const backend of configured) {
    let connection: BackendCheck["connection"] = "not asked";
    if (options.connect) {
      connection = backend.definition.check ? "connected" : "no check";
      try {
        await backend.definition.check?.(backend.options, { baseDir });
      } catch (error) {
        // a refused credential or a missing bucket names its key already; out of reach names the section
        if (error instanceof UserError) throw error;
        throw new OperationalError(`${backend.kind} (${backend.type}): ${errorMessage(error)}`, { cause: error });
      }
    }
    checks.push({ kind: backend.kind, type: backend.type, connection });
  }
  return checks;
}
