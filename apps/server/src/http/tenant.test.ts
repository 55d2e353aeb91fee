import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

const TOKEN = "tenant-test-token-0123456789";
let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry({ server: { port: 0, maxBodySize: 4096, auth: { basic: [], tokens: [TOKEN] } } });
});
afterAll(async () => t?.close());

const bearer = { authorization: `Bearer ${TOKEN}` };
const call = (path: string, init: RequestInit = {}) => fetch(`${t.ferry.url}${path}`, { ...init, headers: { ...bearer, ...(init.headers as Record<string, string>) } });
const FLOW = `id: tenanted\nnamespace: tenant.test\ntasks:\n  - { id: log, type: core.Log, message: hi }\ntriggers:\n  - { id: hook, type: core.trigger.Webhook, key: tenant-hook-key }\n`;
const yaml = { "content-type": "application/x-yaml" };

describe("Kestra's tenant path /api/v1/main/...", () => {
  it("reaches the same routes as /api/v1/..., webhook and execution routes included", async () => {
    expect((await call("/api/v1/main/flows", { method: "POST", body: FLOW, headers: yaml })).status).toBe(200);
    const [plain, tenanted] = await Promise.all([call("/api/v1/flows/tenant.test/tenanted"), call("/api/v1/main/flows/tenant.test/tenanted")]);
    expect(tenanted.status).toBe(200);
    expect(await tenanted.json()).toEqual(await plain.json());
    // a webhook is open under both spellings (its key is its credential)
    const hooked = await fetch(`${t.ferry.url}/api/v1/main/executions/webhook/tenant.test/tenanted/tenant-hook-key`, { method: "POST" });
    expect(hooked.status).toBe(200);
    const { id } = (await hooked.json()) as { id: string };
    // /executions/{executionId} and /executions/{namespace}/{flowId} keep their order
    expect(((await (await call(`/api/v1/main/executions/${id}`)).json()) as { id: string }).id).toBe(id);
    expect((await call("/api/v1/main/executions/tenant.test/tenanted", { method: "POST" })).status).toBe(200);
    expect((await call("/api/v1/main/executions/search?namespace=tenant.test")).status).toBe(200);
  });

  it("answers Kestra 2.0's /executions/{id}/actions/... as the bare 1.x paths, and Kestra's /configs with Ferry's version", async () => {
    const { id } = (await (await call("/api/v1/main/executions/tenant.test/tenanted?wait=true", { method: "POST" })).json()) as { id: string };
    const labelled = await call(`/api/v1/main/executions/${id}/actions/labels`, { method: "POST", body: JSON.stringify([{ key: "env", value: "two" }]), headers: { "content-type": "application/json" } });
    expect(labelled.status).toBe(200);
    expect(((await labelled.json()) as { labels: unknown[] }).labels).toContainEqual({ key: "env", value: "two" });
    // a webhook stays a webhook, whatever its namespace is called
    const hooked = `id: kill\nnamespace: actions\ntasks:\n  - { id: log, type: core.Log, message: hi }\ntriggers:\n  - { id: hook, type: core.trigger.Webhook, key: actions-hook-key }\n`;
    expect((await call("/api/v1/main/flows", { method: "POST", body: hooked, headers: yaml })).status).toBe(200);
    expect((await fetch(`${t.ferry.url}/api/v1/main/executions/webhook/actions/kill/actions-hook-key`, { method: "POST" })).status).toBe(200);
    const configs = (await (await call("/api/v1/configs")).json()) as { version: string; edition: string };
    expect(configs.version).toMatch(/^0\./);
    expect(configs.edition).toBe("OSS");
  });

  it("applies auth and the body limit to the tenant path alike", async () => {
    const anonymous = await fetch(`${t.ferry.url}/api/v1/main/flows/search`);
    expect(anonymous.status).toBe(401);
    const big = await call("/api/v1/main/flows", { method: "POST", body: `${FLOW}#${"x".repeat(8192)}\n`, headers: yaml });
    expect(big.status).toBe(413);
  });

  it("refuses another tenant, and Kestra's Enterprise roots, with a 404 naming them", async () => {
    const other = await call("/api/v1/acme/flows/search");
    expect(other.status).toBe(404);
    expect(((await other.json()) as { message: string }).message).toBe("unknown tenant 'acme': Ferry has one tenant, 'main' (/api/v1/main/flows/... or /api/v1/flows/...)");
    const users = await call("/api/v1/main/users");
    expect(users.status).toBe(404);
    expect(((await users.json()) as { message: string }).message).toBe("GET /api/v1/{tenant}/users is an Enterprise Edition endpoint of Kestra; Ferry does not serve /api/v1/users");
    expect((await call("/api/v1/acme/users")).status).toBe(404);
    // a namespace called `main` is still a namespace
    expect((await call("/api/v1/namespaces/main/kv")).status).toBe(200);
    expect((await call("/api/v1/main/namespaces/main/kv")).status).toBe(200);
  });

  it("answers Kestra's /flows/distinct-namespaces (not a namespace of that name), and refuses a malformed namespace or `existing` with 400", async () => {
    const namespaces = (await (await call("/api/v1/main/flows/distinct-namespaces")).json()) as string[];
    expect(namespaces).toContain("tenant.test");
    expect((await (await call("/api/v1/flows/distinct-namespaces?q=TENANT")).json()) as string[]).toEqual(["tenant.test"]);
    expect((await call("/api/v1/flows/not%20a%20namespace")).status).toBe(400);
    expect((await call("/api/v1/namespaces/search?existing=foo")).status).toBe(400);
    expect((await call("/api/v1/namespaces/search?existing=true")).status).toBe(200);
  });
});
