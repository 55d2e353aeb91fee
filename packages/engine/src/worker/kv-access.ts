import type { Callable } from "@ferry/core";
import { namespaceIsolation, UserError, type KvAccess, type KvType } from "@ferry/sdk";
import type { KvStore } from "../kv-store.js";
import type { SecretMasker } from "./secret-masker.js";

/**
 * Any namespace's KV store, as Kestra's open-source edition allows; with `namespaces.isolation: tree`, a flow's own
 * namespace, its parents' (`company.team` → `company`, which Kestra's KV store inherits) and the configured shared ones.
 */
function allowed(flowNamespace: string, target: string, shared: string[]): string {
  if (namespaceIsolation() === "none" || target === flowNamespace || flowNamespace.startsWith(`${target}.`) || shared.includes(target)) return target;
  throw new UserError(`namespace ${flowNamespace} may not use the KV store of namespace ${target} (namespaces.isolation: tree — only its own, its parents', and kv.sharedNamespaces)`, { status: 403 });
}

/**
 * RunContext.kv for a task of a flow in `namespace`; without a store, every call says why.
 * With a masker, it is masked as maskedKv says.
 */
export function kvAccess(store: KvStore | undefined, namespace: string, shared: string[] = [], masker?: SecretMasker): KvAccess {
  const kv = () => {
    if (!store) throw new UserError("this worker has no KV store");
    return store;
  };
  const ns = (o?: { namespace?: string }) => allowed(namespace, o?.namespace ?? namespace, shared);
  const access: KvAccess = {
    get: (key, o) => kv().get(ns(o), key),
    set: async (key, value, o) => {
      await kv().set(ns(o), key, value, { type: o?.type as KvType | undefined, ttl: o?.ttl, overwrite: o?.overwrite, keepExpiry: o?.keepExpiry });
    },
    keys: async (prefix, o) => (await kv().list(ns(o), prefix ?? "")).map((r) => r.key),
    delete: (key, o) => kv().delete(ns(o), key),
  };
  return masker ? maskedKv(access, masker) : access;
}

/**
 * A KV store that keeps the run's secrets out: a value is stored with them masked, and a key
 * holding one is refused (keys live in the repository, where a secret is never stored in clear).
 */
export function maskedKv(access: KvAccess, masker: SecretMasker): KvAccess {
  return {
    ...access,
    set: async (key, value, o) => {
      if (masker.mask(key) !== key) throw new UserError(`KV key ${masker.mask(key)} holds a secret value: a secret is never stored as a key`);
      await access.set(key, masker.maskValue(value), o);
    },
  };
}

/**
 * `{{ kv('KEY') }}`, `{{ kv('KEY', 'namespace', errorOnMissing) }}`, as Kestra's KvFunction:
 * errorOnMissing defaults to true; without a namespace the key is looked for in the flow's
 * namespace, then in each parent (`company.team.a` → `company.team` → `company`); a missing key
 * is refused in Kestra's words (KvFunctionTest.getKeyNotFound), null when errorOnMissing is false.
 */
export function kvFunction(access: KvAccess, namespace: string): Callable {
  return async (args, named) => {
    if (args.length < 1 && !("key" in named)) throw new UserError("The 'kv' function expects an argument 'key'.");
    const key = String(args[0] ?? named.key ?? "");
    const target = args[1] ?? named.namespace;
    const errorOnMissing = (args[2] ?? named.errorOnMissing ?? true) !== false;
    let found: Awaited<ReturnType<KvAccess["get"]>>;
    if (target === undefined || target === null) {
      for (let ns = namespace; ; ns = ns.slice(0, ns.lastIndexOf("."))) {
        found = await access.get(key, { namespace: ns });
        if (found || !ns.includes(".")) break;
      }
    } else {
      found = await access.get(key, { namespace: String(target) });
    }
    if (!found && errorOnMissing) throw new UserError(`The key '${key}' does not exist in the namespace '${target ?? namespace}'.`);
    return found?.value ?? null;
  };
}
