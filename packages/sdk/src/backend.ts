import type { z } from "zod";
import { FerryError, UserError } from "./errors.js";
import { SDK_MAJOR } from "./plugin.js";
import type { HistoryStore } from "./history.js";
import type { Queue } from "./queue.js";
import type { Repository } from "./repository.js";
import type { SecretBackend } from "./secret-backend.js";
import type { Storage } from "./storage.js";

/** The configuration section a backend fills, and so the interface it implements. */
export type BackendKind = "repository" | "storage" | "secrets" | "queue" | "history";

export interface BackendKinds {
  repository: Repository;
  storage: Storage;
  secrets: SecretBackend;
  queue: Queue;
  history: HistoryStore;
}

export const BACKEND_KINDS: readonly BackendKind[] = ["repository", "storage", "secrets", "queue", "history"];

export interface BackendContext {
  /** the configuration file's folder: resolve relative paths in options from here */
  baseDir: string;
  /** the configured repository, given to backends that declare `needsRepository` */
  repository?: Repository;
}

/**
 * A backend: what a `type:` in a configuration section (`storage: { type: …, … }`) names,
 * be it a built-in name, an npm package or a folder. The server imports the module, checks
 * `kind` and `sdkMajor`, validates the section's other keys with `configSchema`, then
 * calls `create` and the instance's `init()`.
 *
 * - `configSchema` sees the section without `type`. Make it strict (`z.strictObject`): a
 *   key it does not know is then refused at start, naming it, instead of being ignored.
 * - `create` must not connect anywhere: `init()` does, so a bad option is reported before
 *   anything is opened. `check` (optional) tries to reach the service without changing it,
 *   for `ferry config check --connect`.
 *
 * Left out on purpose: lifecycle beyond the instance's own `init`/`close`.
 */
export interface BackendDefinition<K extends BackendKind = BackendKind, O = any> {
  kind: K;
  /** a short name for messages (`s3`); a built-in backend's is its configuration name */
  type?: string;
  description?: string;
  configSchema: z.ZodType<O>;
  /** the configured repository is opened first and passed in `ctx.repository` */
  needsRepository?: boolean;
  create(options: O, ctx: BackendContext): BackendKinds[K] | Promise<BackendKinds[K]>;
  check?(options: O, ctx: BackendContext): Promise<void>;
  /**
   * Its driver's errors in Ferry's terms, so nobody above reads driver codes: a unique
   * violation as a ConflictError, a service out of reach as an OperationalError; undefined
   * keeps the error as it is. Applied to every call of the instance.
   */
  mapError?(error: unknown): Error | undefined;
  /** the SDK major version the backend was built against; the loader refuses other majors */
  sdkMajor: number;
}

export function defineBackend<K extends BackendKind, O>(definition: Omit<BackendDefinition<K, O>, "sdkMajor">): BackendDefinition<K, O> {
  return { sdkMajor: SDK_MAJOR, ...definition };
}

/**
 * A `check` for a backend whose init() already proves it can work (logs in, finds its bucket
 * or stream): opens one instance and closes it again, whatever init() answered.
 */
export async function openAndClose(instance: { init?(): Promise<void>; close?(): Promise<void> }): Promise<void> {
  try {
    await instance.init?.();
  } finally {
    await instance.close?.();
  }
}

export function isBackendDefinition(value: unknown): value is BackendDefinition {
  if (!value || typeof value !== "object") return false;
  const v = value as Partial<BackendDefinition>;
  return typeof v.kind === "string" && typeof v.create === "function" && !!v.configSchema && typeof v.sdkMajor === "number";
}

interface Issue {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
}

/**
 * Validates a configuration section (its `type` left out) with the backend's schema; a
 * UserError names the key: `invalid configuration at storage.bucket: …`. `at` is the
 * section's path in the configuration (the kind by default).
 */
export function parseBackendOptions<O>(definition: Pick<BackendDefinition<BackendKind, O>, "kind" | "type" | "configSchema">, section: unknown, at: string = definition.kind): O {
  const { type: _type, ...options } = (section && typeof section === "object" ? section : {}) as Record<string, unknown>;
  const result = definition.configSchema.safeParse(options);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as Issue;
  const key = [at, ...issue.path.map(String)].join(".");
  const named = definition.type ? ` for ${definition.kind} type '${definition.type}'` : "";
  if (issue.code === "unrecognized_keys" && issue.keys?.length) {
    const shape = (definition.configSchema as { shape?: Record<string, unknown> }).shape;
    const known = shape ? Object.keys(shape) : undefined;
    const listed = !known ? "" : known.length ? ` (known: ${known.join(", ")})` : " (it takes no options besides type)";
    throw new UserError(`invalid configuration at ${key}.${issue.keys[0]}: unknown key${named}${listed}`, { cause: result.error });
  }
  throw new UserError(`invalid configuration at ${key}: ${issue.message}`, { cause: result.error });
}

/**
 * The instance with every method's failure passed through `mapError` (sync throws and
 * rejected promises alike); the backend's own FerryErrors pass as they are.
 */
export function withMappedErrors<T extends object>(instance: T, mapError: (error: unknown) => Error | undefined): T {
  const map = (error: unknown) => (error instanceof FerryError ? error : (mapError(error) ?? error));
  // keyed by the function itself: a method replaced on the instance is wrapped anew
  const wrapped = new WeakMap<object, unknown>();
  const proxy: T = new Proxy(instance, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      let method = wrapped.get(value);
      if (!method) {
        method = function (this: unknown, ...args: unknown[]) {
          let result: unknown;
          try {
            // called on this proxy, or on it through an outer one (a backend's instance mapped twice): on the instance itself
            result = (value as (...a: unknown[]) => unknown).apply(this === receiver || this === proxy ? target : this, args);
          } catch (error) {
            throw map(error);
          }
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(map(error))) : result;
        };
        wrapped.set(value, method);
      }
      return method;
    },
  });
  return proxy;
}
