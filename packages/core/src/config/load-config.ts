import { UserError } from "@ferry/sdk";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { configSchema, type FerryConfig } from "./config.schema.js";

export interface LoadedConfig {
  config: FerryConfig;
  /** the file read, if any */
  file?: string;
}

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/** `${NAME}` and `${NAME:-default}` in every string of the file. */
function interpolate(value: unknown, env: Record<string, string | undefined>, path: string): unknown {
  if (typeof value === "string") {
    return value.replace(ENV_REF, (_, name: string, fallback?: string) => {
      const v = env[name] ?? fallback;
      if (v === undefined) throw new UserError(`configuration ${path}: environment variable ${name} is not set`);
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolate(v, env, `${path}[${i}]`));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, env, path ? `${path}.${k}` : k)]));
  }
  return value;
}

const camel = (part: string) => part.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * `FERRY_SERVER__PORT=9090` sets server.port: `FERRY_`, then the key path in capitals
 * with `__` between levels (`FORCE_PATH_STYLE` → forcePathStyle). Variables without `__`
 * (FERRY_SERVER_URL, FERRY_TEST_*) belong to other tools and are left alone.
 */
function applyEnvOverrides(config: Record<string, unknown>, env: Record<string, string | undefined>): void {
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith("FERRY_") || !name.includes("__") || raw === undefined) continue;
    const path = name.slice("FERRY_".length).split("__").map(camel);
    let target = config;
    for (const key of path.slice(0, -1)) {
      if (!target[key] || typeof target[key] !== "object") target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    let value: unknown = raw;
    try {
      value = parseYaml(raw);
    } catch {
      value = raw;
    }
    target[path[path.length - 1]] = value === null ? raw : value;
  }
}

/**
 * Loads `ferry.yaml` (or the given file), interpolates `${ENV}`, applies `FERRY_`
 * overrides and validates every section. No file means the embedded defaults.
 */
export function loadConfig(options: { file?: string; cwd?: string; env?: Record<string, string | undefined> } = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = options.file ? resolve(cwd, options.file) : existsSync(resolve(cwd, "ferry.yaml")) ? resolve(cwd, "ferry.yaml") : undefined;
  let raw: Record<string, unknown> = {};
  if (file) {
    if (!existsSync(file)) throw new UserError(`configuration file ${file} does not exist`);
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, "utf8"));
    } catch (error) {
      const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
      throw new UserError(`${file}${line ? `:${line}` : ""}: invalid YAML: ${(error as Error).message.split("\n")[0]}`, { cause: error });
    }
    if (parsed !== null && parsed !== undefined && (typeof parsed !== "object" || Array.isArray(parsed))) {
      throw new UserError(`${file}: the configuration must be a YAML map`);
    }
    raw = interpolate(parsed ?? {}, env, "") as Record<string, unknown>;
  }
  applyEnvOverrides(raw, env);
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const key = issue.path.join(".") || "(root)";
    const unknown = issue.code === "unrecognized_keys" ? `: unknown key '${[key === "(root)" ? "" : `${key}.`, issue.keys[0]].join("")}'` : `: ${issue.message}`;
    throw new UserError(`invalid configuration${file ? ` in ${file}` : ""} at ${key}${unknown}`);
  }
  return { config: result.data, file };
}
