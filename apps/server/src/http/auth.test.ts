import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

const TOKEN = "t0ken-for-the-ci-robot";
let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry({ server: { port: 0, auth: { basic: [{ username: "ada", password: "correct horse" }], tokens: [TOKEN] } } });
});
afterAll(async () => t?.close());

const basic = (user: string, password: string) => ({ authorization: `Basic ${btoa(`${user}:${password}`)}` });
const FLOW = `id: hooked\nnamespace: auth.test\ntasks:\n  - { id: log, type: core.Log, message: hi }\ntriggers:\n  - { id: hook, type: core.trigger.Webhook, key: the-hook-key }\n`;

describe("server.auth", () => {
  it("answers 401 JSON without valid credentials, and serves basic users and bearer tokens", async () => {
    for (const headers of [{}, basic("ada", "wrong"), basic("eve", "correct horse"), { authorization: "Bearer nope" }, { authorization: "Basic %%%" }]) {
      const response = await t.api("/flows/search", { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toBe('Basic realm="ferry"');
      expect(((await response.json()) as { message: string }).message).toContain("authentication required");
    }
    expect((await t.api("/flows/search", { headers: basic("ada", "correct horse") })).status).toBe(200);
    expect((await t.api("/flows/search", { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  it("leaves health probes and webhooks (their key is their credential) open", async () => {
    expect((await fetch(`${t.ferry.url}/health`)).status).toBe(200);
    const deployed = await t.api("/flows", { method: "POST", body: FLOW, headers: { "content-type": "application/x-yaml", authorization: `Bearer ${TOKEN}` } });
    expect(deployed.status).toBe(200);
    expect((await t.api("/executions/webhook/auth.test/hooked/the-hook-key", { method: "POST" })).status).toBe(200);
    expect((await t.api("/executions/webhook/auth.test/hooked/wrong-key", { method: "POST" })).status).toBe(404);
  });

  it("refuses to listen beyond loopback without auth, naming the key", async () => {
    await expect(startTestFerry({ server: { host: "0.0.0.0", port: 0 } })).rejects.toThrow("invalid configuration at server.host: '0.0.0.0' is reachable from other machines");
    await expect(startTestFerry({ server: { port: 0, auth: { tokens: ["short"] } } })).rejects.toThrow();
  });
});
