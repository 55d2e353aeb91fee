import type { Callable } from "@ferry/core";
import { UserError, type SecretBackend } from "@ferry/sdk";

/**
 * `{{ secret('NAME') }}`, `{{ secret('NAME', namespace='company', subkey='field') }}`, as Kestra's
 * SecretFunction: resolved by the configured backend for the flow's namespace (the backend looks
 * at parent namespaces too) or for the namespace given, which must be the flow's or a parent of
 * it (Kestra's open-source edition allows any; Ferry keeps a namespace's secrets to it and its
 * children); `subkey` reads one field of a secret holding a JSON object (a text or number as
 * its text, a list or map as JSON); `full=true` answers `{value}` (the docs' map, without the
 * `metadata` only multi-field secret managers give). A missing secret names itself, never a value.
 */
export function secretFunction(backend: SecretBackend, namespace: string): Callable {
  return async (args, named) => {
    if (args.length < 1 && !("key" in named)) throw new UserError("The 'secret' function expects an argument 'key'.");
    const name = String(args[0] ?? named.key ?? "");
    if (!name) throw new UserError("secret() needs a secret name");
    const given = args[1] ?? named.namespace;
    const target = given === undefined || given === null ? namespace : String(given);
    if (target !== namespace && !namespace.startsWith(`${target}.`)) {
      throw new UserError(`namespace ${namespace} may not read the secrets of namespace ${target} (only its own and its parents')`);
    }
    const value = await backend.get(target, name);
    if (value === undefined) throw new UserError(`secret ${name} not found in namespace ${target}`);
    const subkey = args[2] ?? named.subkey;
    const full = args[3] ?? named.full;
    if (full !== undefined && full !== null && typeof full !== "boolean") throw new UserError("The 'secret' function expects an optional argument 'full' with type boolean.");
    const hasSubkey = subkey !== undefined && subkey !== null && subkey !== "";
    if (full === true) {
      if (hasSubkey) throw new UserError("The 'secret' function's 'full' cannot be combined with 'subkey'.");
      // Ferry's backends (env, database, Vault's KV) hold one value per secret: no `metadata`, as Kestra's single-value backends
      return { value };
    }
    return hasSubkey ? subkeyOf(value, String(subkey), name) : value;
  };
}

function subkeyOf(secret: string, subkey: string, name: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    throw new UserError(`Failed to read secret sub-key '${subkey}' from secret '${name}'. Ensure the secret contains valid JSON value.`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed) || !Object.hasOwn(parsed, subkey)) {
    throw new UserError(`Cannot find secret sub-key '${subkey}' in secret '${name}'.`);
  }
  const field = (parsed as Record<string, unknown>)[subkey];
  // Jackson's JsonNode: a value node as its text (null as "null"), an object or array as JSON
  return field !== null && typeof field === "object" ? JSON.stringify(field) : String(field);
}

/** where no secret may be read (executor-side rendering), say so instead of "unknown function" */
export const secretsOnWorkersOnly: Callable = () => {
  throw new UserError("secret() is resolved where tasks run: flowable properties and flow outputs cannot read secrets");
};

/** connections hold secrets: like secret(), connection() is resolved only where tasks run */
export const connectionsOnWorkersOnly: Callable = () => {
  throw new UserError("connection() is resolved where tasks run: flowable properties, flow outputs and triggers cannot read connections");
};

/** `fn`, reporting each secret value it answers (a `full` answer's `value`) to `reveal` */
export function revealing(fn: Callable, reveal: (secret: string) => void): Callable {
  return async (args, named) => {
    const value = await fn(args, named);
    const secret = value && typeof value === "object" ? (value as { value?: unknown }).value : value;
    if (typeof secret === "string") reveal(secret);
    return value;
  };
}
