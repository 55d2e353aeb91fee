import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

let t: TestFerry;
const hook = (path: string, init?: RequestInit) => t.api(`/executions/webhook/${path}`, init);
const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  body: typeof body === "string" ? body : JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});

beforeAll(async () => {
  process.env.SECRET_HOOK_KEY = Buffer.from("from-a-secret").toString("base64");
  process.env.SECRET_GITHUB_HOOK = Buffer.from("gh-signing-secret").toString("base64");
  t = await startTestFerry();
  await t.deploy(`id: echo
namespace: hooks.test
inputs:
  - { id: who, type: STRING, defaults: nobody }
tasks:
  - id: out
    type: core.OutputValues
    values:
      name: "{{ trigger.body.name ?? 'none' }}"
      agent: "{{ trigger.headers['x-agent'][0] ?? '' }}"
      page: "{{ trigger.parameters.page[0] ?? '' }}"
      who: "{{ inputs.who }}"
outputs:
  - { id: name, type: STRING, value: "{{ outputs.out.values.name }}" }
  - { id: who, type: STRING, value: "{{ outputs.out.values.who }}" }
triggers:
  - id: plain
    type: io.kestra.plugin.core.trigger.Webhook
    key: plain-key-123
  - id: waiting
    type: core.trigger.Webhook
    key: "{{ secret('HOOK_KEY') }}"
    wait: true
    returnOutputs: true
    inputs:
      who: "{{ trigger.body.who ?? 'anonymous' }}"
  - id: full
    type: core.trigger.Webhook
    key: full-answer
    wait: true
  - id: dropped
    type: io.kestra.plugin.core.trigger.Webhook
    key: body-dropped
    fetchType: NONE
`);
  await t.deploy(`id: picky
namespace: hooks.test
inputs:
  - { id: count, type: INT }
tasks:
  - { id: log, type: core.Log, message: "count {{ inputs.count }}" }
triggers:
  - id: only-pushes
    type: core.trigger.Webhook
    key: picky
    conditions:
      - type: io.kestra.plugin.core.condition.Expression
        expression: "{{ trigger.body.event == 'push' }}"
    inputs:
      count: "{{ trigger.body.count }}"
  - id: signed
    type: core.trigger.Webhook
    key: signed
    signature:
      secret: "{{ secret('GITHUB_HOOK') }}"
    inputs:
      count: "1"
  - id: limited
    type: core.trigger.Webhook
    key: limited
    rateLimit: { requests: 2, per: PT1M }
    inputs:
      count: "1"
`);
  await t.deploy(`id: failing
namespace: hooks.test
tasks:
  - { id: boom, type: core.Fail, errorMessage: "boom for {{ trigger.body.name }}" }
triggers:
  - { id: hook, type: core.trigger.Webhook, key: fail, wait: true, returnOutputs: true }
`);
  await t.deploy(`id: off
namespace: hooks.test
disabled: true
tasks:
  - { id: log, type: core.Log, message: hi }
triggers:
  - { id: hook, type: core.trigger.Webhook, key: off-key }
`);
});
afterAll(async () => {
  await t?.close();
  // test files share a process (vitest.config.ts): what this one set, it takes back
  delete process.env.SECRET_HOOK_KEY;
  delete process.env.SECRET_GITHUB_HOOK;
});

describe("webhook trigger", () => {
  it("starts an execution that sees body, headers and query parameters, and answers with it at once", async () => {
    const response = await hook("hooks.test/echo/plain-key-123?page=2&page=3", post({ name: "Ada" }, { "x-agent": "curl" }));
    expect(response.status).toBe(200);
    const started = (await response.json()) as any;
    expect(started).toMatchObject({ namespace: "hooks.test", flowId: "echo", trigger: { id: "plain", type: "io.kestra.plugin.core.trigger.Webhook" } });
    expect(started.trigger.variables).toMatchObject({ body: { name: "Ada" }, parameters: { page: ["2", "3"] }, headers: { "x-agent": ["curl"] } });
    const ended = await t.waitForEnd(started.id);
    expect(ended.taskRunList[0].outputs.values).toMatchObject({ name: "Ada", agent: "curl", page: "2", who: "nobody" });
  });

  // AbstractWebhookTrigger.fetchType: NONE reads the body off the connection and drops it
  it("with fetchType NONE the body is dropped: trigger.body is null, headers and parameters stay", async () => {
    const response = await hook("hooks.test/echo/body-dropped?page=7", post({ name: "Ada" }, { "x-agent": "curl" }));
    expect(response.status).toBe(200);
    const started = (await response.json()) as any;
    expect(started.trigger.variables).toMatchObject({ body: null, parameters: { page: ["7"] }, headers: { "x-agent": ["curl"] } });
    const ended = await t.waitForEnd(started.id);
    expect(ended.taskRunList[0].outputs.values).toMatchObject({ name: "none", agent: "curl", page: "7" });
  });

  it("refuses fetchType STORE at deploy, naming it, and an unknown fetchType", async () => {
    const flow = (fetchType: string) => `id: stored\nnamespace: hooks.test\ntasks:\n  - { id: log, type: core.Log, message: hi }\ntriggers:\n  - { id: hook, type: core.trigger.Webhook, key: stored-key, fetchType: ${fetchType} }\n`;
    for (const [fetchType, why] of [["STORE", /not supported by Ferry yet: fetchType STORE/], ["BODY", /FETCH|NONE|STORE/]] as const) {
      const response = await t.api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: flow(fetchType) });
      expect(response.status).toBe(422);
      const body = (await response.json()) as { message: string };
      expect(body.message).toMatch(why);
      expect(body.message).toMatch(/triggers\[0\]\.fetchType/);
    }
  });

  it("with wait and returnOutputs answers the flow's outputs at the end; inputs come from the trigger's mapping; the key may be a secret", async () => {
    const response = await hook("hooks.test/echo/from-a-secret", post({ name: "Grace", who: "Hopper" }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ name: "Grace", who: "Hopper" });
    const get = await hook("hooks.test/echo/from-a-secret");
    expect(await get.json()).toEqual({ name: "none", who: "anonymous" });
  });

  it("with wait alone answers the ended execution; a failed one with returnOutputs answers its state and error", async () => {
    const full = (await (await hook("hooks.test/echo/full-answer", { method: "PUT", body: "plain text" })).json()) as any;
    expect(full.state.current).toBe("SUCCESS");
    expect(full.trigger.variables.body).toBe("plain text");
    expect(full.outputs).toEqual({ name: "none", who: "nobody" });
    const failed = await hook("hooks.test/failing/fail", post({ name: "x" }));
    expect(failed.status).toBe(200);
    expect(await failed.json()).toMatchObject({ state: "FAILED", error: expect.stringContaining("boom for x") });
  });

  it("answers the same 404 for an unknown flow, a disabled flow and a wrong key", async () => {
    const answers = await Promise.all(
      ["hooks.test/nope/plain-key-123", "hooks.test/off/off-key", "hooks.test/echo/wrong", "nowhere/echo/plain-key-123"].map(async (p) => {
        const r = await hook(p, post({}));
        return { status: r.status, body: await r.json() };
      }),
    );
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0].status).toBe(404);
  });

  it("answers 204 when conditions are not met and 422 when inputs cannot be built", async () => {
    const skipped = await hook("hooks.test/picky/picky", post({ event: "issue", count: 1 }));
    expect(skipped.status).toBe(204);
    const bad = await hook("hooks.test/picky/picky", post({ event: "push", count: "many" }));
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { message: string }).message).toContain("count");
    const missing = await hook("hooks.test/picky/picky", post({ event: "push" }));
    expect(missing.status).toBe(422);
    const ok = await hook("hooks.test/picky/picky", post({ event: "push", count: 3 }));
    expect(ok.status).toBe(200);
    const searched = (await (await t.api("/executions/search?namespace=hooks.test&flowId=picky")).json()) as { total: number };
    expect(searched.total).toBe(1);
  });

  it("repeats with one Idempotency-Key return the first execution instead of starting another", async () => {
    const key = { "idempotency-key": `order-${Date.now()}` };
    const first = (await (await hook("hooks.test/echo/plain-key-123", post({ name: "once" }, key))).json()) as any;
    const again = await hook("hooks.test/echo/plain-key-123", post({ name: "twice" }, key));
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const second = (await again.json()) as any;
    expect(second.id).toBe(first.id);
    expect(second.trigger.variables.body).toEqual({ name: "once" });
    const other = (await (await hook("hooks.test/echo/plain-key-123", post({ name: "other" }, { "idempotency-key": `${key["idempotency-key"]}-2` }))).json()) as any;
    expect(other.id).not.toBe(first.id);
  });

  it("checks a GitHub-style signature over the raw body: missing or wrong answers 401", async () => {
    const body = JSON.stringify({ zen: "Keep it logically awesome." });
    const sign = (secret: string) => `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    expect((await hook("hooks.test/picky/signed", post(body))).status).toBe(401);
    const wrong = await hook("hooks.test/picky/signed", post(body, { "x-hub-signature-256": sign("not-it") }));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toContain("X-Hub-Signature-256");
    expect((await hook("hooks.test/picky/signed", post(body, { "x-hub-signature-256": sign("gh-signing-secret") }))).status).toBe(200);
    expect((await hook("hooks.test/picky/signed", post(`${body} `, { "x-hub-signature-256": sign("gh-signing-secret") }))).status).toBe(401);
  });

  it("answers 429 over the flow's rate limit, with Retry-After", async () => {
    expect((await hook("hooks.test/picky/limited", post({}))).status).toBe(200);
    expect((await hook("hooks.test/picky/limited", post({}))).status).toBe(200);
    const over = await hook("hooks.test/picky/limited", post({}));
    expect(over.status).toBe(429);
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it("never renders a body: templates in it stay text (Kestra #2740)", async () => {
    const response = await hook("hooks.test/echo/from-a-secret", post({ name: "{{ 7 * 7 }}", who: "{{ secret('HOOK_KEY') }}" }));
    expect(await response.json()).toEqual({ name: "{{ 7 * 7 }}", who: "{{ secret('HOOK_KEY') }}" });
  });

  it("answers 413 over the body size limit", async () => {
    const small = await startTestFerry({ server: { port: 0, maxBodySize: 1024 } });
    try {
      await small.deploy(`id: echo\nnamespace: hooks.small\ntasks:\n  - { id: log, type: core.Log, message: hi }\ntriggers:\n  - { id: hook, type: core.trigger.Webhook, key: k }\n`);
      const response = await small.api("/executions/webhook/hooks.small/echo/k", post({ blob: "x".repeat(4096) }));
      expect(response.status).toBe(413);
      expect(await response.json()).toHaveProperty("message");
    } finally {
      await small.close();
    }
  });
});
