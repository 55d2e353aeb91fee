import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createRequire } from "node:module";
import { UsageError } from "../exit-codes.js";

export const DEFAULT_SERVER_URL = "http://127.0.0.1:8080";

/** the server a command talks to, and what chose it (shown by `ferry doctor`) */
export interface ServerTarget {
  url: string;
  source: string;
}

export interface TargetOptions {
  server?: string;
  config?: string;
}

/** yaml (~0.07 s of CPU to load) only when a ferry.yaml is read: most commands are given --server or $FERRY_SERVER_URL */
const yaml = () => createRequire(import.meta.url)("yaml") as typeof import("yaml");

const ENV_REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * One way to find the server: `--server`, then `$FERRY_SERVER_URL`, then `server.host` and
 * `server.port` of `ferry.yaml` (or `--config`) with their `FERRY_SERVER__HOST|PORT`
 * overrides, then the default.
 */
export function resolveServer(options: TargetOptions, env: Record<string, string | undefined> = process.env, cwd = process.cwd()): ServerTarget {
  if (options.server) return { url: options.server, source: "--server" };
  if (env.FERRY_SERVER_URL) return { url: env.FERRY_SERVER_URL, source: "$FERRY_SERVER_URL" };
  const file = options.config ? resolve(cwd, options.config) : existsSync(resolve(cwd, "ferry.yaml")) ? resolve(cwd, "ferry.yaml") : undefined;
  if (options.config && !existsSync(file!)) throw new UsageError(`--config ${options.config}: no such file`);
  const fromFile = file ? serverSection(file, env) : {};
  const host = env.FERRY_SERVER__HOST ?? fromFile.host;
  const port = env.FERRY_SERVER__PORT ?? fromFile.port;
  if (host === undefined && port === undefined) return { url: DEFAULT_SERVER_URL, source: "default" };
  const where = [file && `server section of ${file}`, env.FERRY_SERVER__HOST && "$FERRY_SERVER__HOST", env.FERRY_SERVER__PORT && "$FERRY_SERVER__PORT"].filter(Boolean).join(", ");
  return { url: urlOf(String(host ?? "127.0.0.1"), String(port ?? 8080), where), source: where };
}

/**
 * Only `server.host` and `server.port` of the file, `${ENV}` interpolated in those two alone:
 * the file often belongs to a server, and the variables its other sections name (database
 * passwords, Vault tokens) are rightly not set where the CLI runs.
 */
function serverSection(file: string, env: Record<string, string | undefined>): { host?: string; port?: string } {
  let doc: unknown;
  try {
    doc = yaml().parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UsageError(`${file}: invalid YAML: ${(error as Error).message.split("\n")[0]}`, { cause: error });
  }
  const server = (doc as { server?: unknown } | null)?.server;
  if (!server || typeof server !== "object") return {};
  const pick = (key: "host" | "port") => {
    const value = (server as Record<string, unknown>)[key];
    if (value === undefined || value === null) return undefined;
    return String(value).replace(ENV_REF, (_, name: string, fallback?: string) => {
      const v = env[name] ?? fallback;
      if (v === undefined) throw new UsageError(`${file}: server.${key}: environment variable ${name} is not set`);
      return v;
    });
  };
  return { host: pick("host"), port: pick("port") };
}

function urlOf(host: string, port: string, where: string): string {
  const n = Number(port);
  if (!/^\d+$/.test(port) || n < 1 || n > 65_535) throw new UsageError(`server.port '${port}' (${where}) is not a port a client can reach (1 to 65535); pass --server URL`);
  // a server listening on every address is reached on loopback from its own machine
  const reach = host === "0.0.0.0" || host === "" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reach.includes(":") ? `[${reach}]` : reach}:${n}`;
}
