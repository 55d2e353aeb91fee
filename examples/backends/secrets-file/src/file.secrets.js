// @ts-check
import { defineBackend, UserError, z } from "@ferry/sdk";
import { readFile } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";

/** @typedef {import("@ferry/sdk").SecretBackend} SecretBackend */

const values = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String));

/** what the file holds: global secrets, and secrets of namespaces (seen by their children too) */
const fileSchema = z.strictObject({
  secrets: values.default({}),
  namespaces: z.record(z.string(), values).default({}),
});

/**
 * Reads and checks a secrets file (`.json`, `.yaml` or `.yml`):
 *
 * ```yaml
 * secrets:              # every namespace sees these
 *   SLACK_TOKEN: xoxb-…
 * namespaces:
 *   company.team:       # company.team and its children see these, before the global ones
 *     DB_PASSWORD: …
 * ```
 * @param {string} file
 * @returns {Promise<Map<string, Map<string, string>>>} by namespace ("" for global), then by name
 */
export async function readSecretsFile(file) {
  let text;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UserError(`invalid configuration at secrets.path: cannot read ${file}: ${/** @type {Error} */ (error).message}`, { cause: error });
  }
  let parsed;
  try {
    parsed = extname(file) === ".json" ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    // the message of a parse error never quotes the file's values
    throw new UserError(`secrets file ${file} is not valid ${extname(file) === ".json" ? "JSON" : "YAML"}`, { cause: error });
  }
  const result = fileSchema.safeParse(parsed ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new UserError(`secrets file ${file} at ${issue.path.join(".") || "(root)"}: ${issue.code === "unrecognized_keys" ? `unknown key '${issue.keys[0]}' (known: secrets, namespaces)` : issue.message}`);
  }
  const byNamespace = new Map([["", new Map(Object.entries(result.data.secrets))]]);
  for (const [namespace, secrets] of Object.entries(result.data.namespaces)) byNamespace.set(namespace, new Map(Object.entries(secrets)));
  return byNamespace;
}

/** `company.team` → `company.team`, `company`, then "" (global) @param {string} namespace */
const lineage = (namespace) => [...namespace.split(".").map((_, i, parts) => parts.slice(0, parts.length - i).join(".")), ""];

/**
 * Secrets from a file, read once at start (restart the server after editing it). Read-only
 * (no set or delete): `ferry secrets set` answers 405, the backend is read-only.
 *
 * @implements {SecretBackend}
 */
export class FileSecretBackend {
  /** @type {Map<string, Map<string, string>>} */
  #secrets = new Map();
  #file;

  /** @param {string} file */
  constructor(file) {
    this.#file = file;
  }

  async init() {
    this.#secrets = await readSecretsFile(this.#file);
  }

  /** @param {string} namespace @param {string} name */
  async get(namespace, name) {
    for (const ns of lineage(namespace)) {
      const value = this.#secrets.get(ns)?.get(name);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** names seen from `namespace` (its own, its parents', the global ones) @param {string} namespace */
  async list(namespace) {
    const names = new Set(lineage(namespace).flatMap((ns) => [...(this.#secrets.get(ns)?.keys() ?? [])]));
    return [...names].sort();
  }
}

export const fileSecretBackend = defineBackend({
  kind: "secrets",
  type: "file",
  description: "secrets read from a JSON or YAML file at start",
  // strict: a misspelt key (file: instead of path:) is refused at start, naming it
  configSchema: z.strictObject({
    /** the file, relative to the configuration's folder */
    path: z.string().min(1),
  }),
  create: ({ path }, { baseDir }) => new FileSecretBackend(resolve(baseDir, path)),
  /** `ferry config check --connect`: the file is read and checked, as init() does */
  check: async ({ path }, { baseDir }) => void (await readSecretsFile(resolve(baseDir, path))),
});
