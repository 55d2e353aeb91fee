import { Hono } from "hono";
import { readFileSync } from "node:fs";
import type { ApiDeps } from "../api-deps.js";

/** the server's version, from its package.json (src/ and dist/ both sit two levels below it) */
const VERSION = (JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** a backend that takes longer than this to answer a probe is reported DOWN */
const PROBE_TIMEOUT_MS = 5000;

interface BackendStatus {
  kind: "repository" | "storage" | "secrets" | "queue";
  type: string;
  status: "UP" | "DOWN";
  message?: string;
}

async function probe(kind: BackendStatus["kind"], type: string, check: () => Promise<unknown>): Promise<BackendStatus> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS)));
  try {
    await Promise.race([check(), timeout]);
    return { kind, type, status: "UP" };
  } catch (error) {
    return { kind, type, status: "DOWN", message: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `GET /api/v1/server/info`: which Ferry this is (version, role), its backends and whether
 * each answers a read that changes nothing, its plugins and live workers: what `ferry doctor`
 * reports. Behind `server.auth` like the rest of the API (the backend types are not for anyone).
 */
export function serverInfoRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/info", async (c) => {
    const { config } = deps;
    const backends = await Promise.all([
      probe("repository", config.repository.type, () => deps.repository.searchFlows({ page: 1, size: 1 })),
      probe("storage", config.storage.type, () => deps.store.storage.exists("_ferry/probe")),
      probe("secrets", config.secrets.type, () => deps.secrets.get("ferry", "FERRY_PROBE")),
      probe("queue", config.queue.type, async () => {
        if (deps.queue.available?.() === false) throw new Error("not connected");
      }),
    ]);
    return c.json({
      name: "ferry",
      version: VERSION,
      role: deps.role ?? "local",
      backends,
      plugins: deps.registry.plugins.map((p) => ({ name: p.name, version: p.version })),
      workers: deps.workers.list().length,
    });
  });
  return app;
}

/**
 * `GET /api/v1/configs`, Kestra's configuration endpoint, in the part of its shape that is true
 * of Ferry. Clients read `version` to learn what they talk to: kestractl takes a major version
 * below 2 for Kestra's 1.x API (bare execution action paths, `{count}` bulk answers), which is
 * the one Ferry serves; Ferry's own version (0.x) says so.
 */
export function kestraConfigurationRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const auth = deps.config.server.auth;
  app.get("/", (c) =>
    c.json({
      version: VERSION,
      edition: "OSS",
      isBasicAuthInitialized: Boolean(auth?.basic.length),
      isTaskRunEnabled: false,
      isTemplateEnabled: false,
      isAnonymousUsageEnabled: false,
      isCustomDashboardsEnabled: false,
      isAiEnabled: false,
    }),
  );
  return app;
}
