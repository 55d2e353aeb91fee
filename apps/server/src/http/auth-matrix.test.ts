import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";
import { openApiDocument } from "./openapi.js";

/**
 * Every route of the OpenAPI document × every kind of caller, with path parameters named like
 * route segments: a route is open because of the handler that answers it, never because of the
 * path's shape (`/executions/webhook/x` is also `/executions/{namespace}/{flowId}`).
 */
const TOKEN = "t0ken-for-the-matrix-robot";
const USER = { username: "ada", password: "correct horse" };
const basic = (user: string, password: string) => `Basic ${btoa(`${user}:${password}`)}`;

const CALLERS: Record<string, Record<string, string>> = {
  "no credentials": {},
  "a wrong token": { authorization: "Bearer not-the-token" },
  "wrong Basic": { authorization: basic(USER.username, "wrong") },
  "a malformed header": { authorization: "Basic %%%" },
  "the right token": { authorization: `Bearer ${TOKEN}` },
};
/** route-segment words used as namespaces, ids and keys */
const NAMES = ["webhook", "search", "health", "follow", "validate", "kill", "file"];
/** the routes anyone may call; every other one answers 401 without credentials */
const OPEN_PATHS = new Set(["/health", "/health/live", "/health/ready", "/api/v1/health", "/api/v1/executions/webhook/{namespace}/{flowId}/{key}", "/", "/docs", "/ui", "/ui/", "/ui/{path}"]);

/** the webhook flow lives in namespace `webhook`: a create-execution call on it must not be open */
const flow = (namespace: string, id: string) =>
  `id: ${id}\nnamespace: ${namespace}\ntasks:\n  - { id: log, type: core.Log, message: hi }\ntriggers:\n  - { id: hook, type: core.trigger.Webhook, key: follow }\n`;

let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry({ server: { port: 0, auth: { basic: [USER], tokens: [TOKEN] } } });
  for (const namespace of ["webhook", "search"]) {
    for (const id of NAMES) {
      const response = await t.api("/flows", { method: "POST", body: flow(namespace, id), headers: { "content-type": "application/x-yaml", authorization: `Bearer ${TOKEN}` } });
      expect(response.status).toBe(200);
    }
  }
});
afterAll(async () => t?.close());

const operations = Object.entries(openApiDocument.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ path, method: method.toUpperCase() })));

/** the concrete paths for a templated one: each parameter takes each route-segment word */
function concrete(path: string, name: string): string {
  return path.replace(/\{[^}]+\}/g, name);
}

async function executionCount(): Promise<number> {
  const response = await t.api("/executions/search?size=1", { headers: { authorization: `Bearer ${TOKEN}` } });
  return ((await response.json()) as { total: number }).total;
}

describe("auth matrix", () => {
  it("covers every route the server has", () => {
    const documented = new Set(operations.map((o) => `${o.method} ${o.path.replace(/\{[^}]+\}/g, ":")}`));
    const served = t.ferry.app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => `${r.method} ${r.path.replace(/:[^/]+/g, ":")}`);
    expect(served.length).toBeGreaterThan(40);
    expect(served.filter((r) => !documented.has(r))).toEqual([]);
  });

  for (const [caller, headers] of Object.entries(CALLERS)) {
    it(`answers ${caller} on every route as its openness says`, async () => {
      const before = await executionCount();
      const failures: string[] = [];
      for (const { path, method } of operations) {
        for (const name of path.includes("{") ? NAMES : [""]) {
          const url = concrete(path, name);
          const response = await fetch(`${t.ferry.url}${url}?wait=true`, {
            method,
            headers: { ...headers, "content-type": "application/json" },
            body: method === "GET" || method === "HEAD" || method === "DELETE" ? undefined : "{}",
            signal: AbortSignal.timeout(5000),
          }).catch((error: Error) => ({ status: -1, error }) as const);
          if ("body" in response) await response.body?.cancel();
          const authorized = caller === "the right token" || OPEN_PATHS.has(path);
          const status = response.status;
          if (status >= 500 && !(path === "/health/ready" && status === 503)) failures.push(`${method} ${url}: ${status}`);
          if (authorized && status === 401 && !OPEN_PATHS.has(path)) failures.push(`${method} ${url}: 401 with the right token`);
          if (!authorized && status !== 401) failures.push(`${method} ${url}: ${status} for ${caller}, expected 401`);
        }
      }
      expect(failures).toEqual([]);
      // the matrix calls webhooks only with namespaces that have no flow: without credentials nothing starts
      if (caller !== "the right token") expect(await executionCount()).toBe(before);
    });
  }

  it("refuses POST /executions/webhook/{id} without credentials: it creates an execution in namespace `webhook`", async () => {
    const before = await executionCount();
    for (const id of NAMES) {
      for (const method of ["POST", "GET", "PUT"]) {
        const response = await t.api(`/executions/webhook/${id}?wait=true`, { method });
        expect(response.status, `${method} /executions/webhook/${id}`).toBe(401);
      }
    }
    expect(await executionCount()).toBe(before);
    // the webhook itself stays open: its key is its credential
    const hook = await t.api("/executions/webhook/webhook/follow/follow", { method: "POST" });
    expect(hook.status).toBe(200);
    expect(await executionCount()).toBe(before + 1);
  });
});
