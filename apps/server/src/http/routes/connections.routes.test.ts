import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

const TOKEN_VALUE = "tok-3f9a1c77e2b84d05";
let t: TestFerry;
let api: Server;
let base: string;
beforeAll(async () => {
  // a real API that wants the token: what the http connection type's test opens
  api = createServer((req, res) => {
    res.writeHead(req.headers.authorization === `Bearer ${TOKEN_VALUE}` ? 200 : 401, { "content-type": "text/plain" });
    res.end(req.headers.authorization === `Bearer ${TOKEN_VALUE}` ? "ok" : `refused ${req.headers.authorization ?? ""}`);
  });
  await new Promise<void>((r) => api.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(api.address() as { port: number }).port}`;
  t = await startTestFerry({ secrets: { type: "database", key: Buffer.alloc(32, 7).toString("base64") } });
  await setSecret("conn", "API_TOKEN", TOKEN_VALUE);
  await setSecret("conn", "WRONG_TOKEN", "not-the-token-4411");
});
afterAll(async () => {
  await t?.close();
  await new Promise((r) => api?.close(r));
});

async function setSecret(namespace: string, name: string, value: string) {
  const response = await t.api(`/namespaces/${namespace}/secrets/${name}`, { method: "PUT", body: JSON.stringify({ value }), headers: { "content-type": "application/json" } });
  expect(response.status).toBe(200);
}
const put = (namespace: string, id: string, body: unknown) =>
  t.api(`/namespaces/${namespace}/connections/${id}`, { method: "PUT", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } });
const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

describe("connections API", () => {
  it("saves, shows secret fields ******, lists, gets, deletes with true or false", async () => {
    const saved = await json(await put("conn", "api", { type: "http", values: { url: base, bearerToken: "{{ secret('API_TOKEN') }}", headers: { "x-team": "data" } }, description: "the API" }));
    expect(saved).toEqual({
      status: 200,
      body: {
        namespace: "conn", id: "api", type: "http", values: { url: base, bearerToken: "******", headers: { "x-team": "data" } }, description: "the API",
        creationDate: expect.any(String), updateDate: expect.any(String), changed: true,
      },
    });
    const { changed, ...connection } = saved.body;
    expect((await json(await t.api("/namespaces/conn/connections/api"))).body).toEqual(connection);
    // a namespace with only connections is a namespace in use, its parents with it
    await put("only.connections", "x", { type: "http", values: { url: base } });
    expect(((await json(await t.api("/namespaces"))).body as Array<{ id: string }>).map((n) => n.id)).toEqual(expect.arrayContaining(["conn", "only", "only.connections"]));
    expect((await json(await t.api("/namespaces/conn/connections"))).body).toEqual([connection]);
    // saved again as it is: nothing written, its updateDate kept
    const again = await json(await put("conn", "api", { type: "http", values: { url: base, bearerToken: "{{ secret('API_TOKEN') }}", headers: { "x-team": "data" } }, description: "the API" }));
    expect(again.body).toEqual({ ...connection, changed: false });
    await put("conn", "other", { type: "http", values: { url: base } });
    expect(await (await t.api("/namespaces/conn/connections/other", { method: "DELETE" })).json()).toBe(true);
    expect(await (await t.api("/namespaces/conn/connections/other", { method: "DELETE" })).json()).toBe(false);
    expect((await t.api("/namespaces/conn/connections/other")).status).toBe(404);
  });

  it("a child namespace sees its parents' connections, its own hiding theirs; a child's list and delete are its own", async () => {
    await put("conn", "inherited", { type: "http", values: { url: `${base}/parent` } });
    const seen = await json(await t.api("/namespaces/conn.team.sales/connections/inherited"));
    expect(seen).toMatchObject({ status: 200, body: { namespace: "conn", values: { url: `${base}/parent` } } });
    expect((await json(await t.api("/namespaces/conn.team/connections"))).body).toEqual([]);
    expect(await (await t.api("/namespaces/conn.team/connections/inherited", { method: "DELETE" })).json()).toBe(false);
    await put("conn.team", "inherited", { type: "http", values: { url: `${base}/child` } });
    expect((await json(await t.api("/namespaces/conn.team.sales/connections/inherited"))).body).toMatchObject({ namespace: "conn.team", values: { url: `${base}/child` } });
    expect((await json(await t.api("/namespaces/conn/connections/inherited"))).body).toMatchObject({ namespace: "conn", values: { url: `${base}/parent` } });
  });

  it("answers bad input with a 4xx naming it, and keeps what was stored", async () => {
    await put("conn", "kept", { type: "http", values: { url: base } });
    const cases: Array<[unknown, number, string | RegExp]> = [
      [{ type: "nope", values: {} }, 422, "unknown connection type 'nope'; known types: http"],
      [{ type: "http", values: {} }, 422, "connection kept (http): values.url is required"],
      [{ type: "http", values: { url: "not a url" } }, 422, "connection kept (http): values.url: Invalid URL"],
      [{ type: "http", values: { url: base, port: 1 } }, 422, "connection kept (http): unknown field values.port"],
      [{ type: "http", values: { url: base, bearerToken: "plain-value" } }, 422, "connection kept (http): values.bearerToken is a secret field: give it as {{ secret('NAME') }}, never as a value"],
      [{ type: "http", values: { url: base, bearerToken: "{{ secret('MISSING') }}" } }, 422, "connection kept (http): values.bearerToken: secret MISSING not found in namespace conn"],
      [{ type: "http", values: { url: "{{ kv('x') }}" } }, 422, "connection kept (http): values.url: a connection takes only {{ secret('NAME') }} references, no other template"],
      [{ type: "http", values: { url: base }, extra: 1 }, 400, "unknown field 'extra': a connection has type, values and description"],
      [{ values: { url: base } }, 400, /^type is required/],
      [{ type: "http", values: [1] }, 400, /^values is required/],
      ["not json", 400, /^the body/],
      [[1, 2], 400, /^the body must be a JSON object/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await json(await put("conn", "kept", body));
      expect(answer.status, JSON.stringify(body)).toBe(status);
      if (typeof message === "string") expect(answer.body.message).toBe(message);
      else expect(answer.body.message).toMatch(message);
    }
    expect((await json(await put("conn", "bad id!", { type: "http", values: { url: base } }))).status).toBe(400);
    expect((await json(await t.api("/namespaces/conn/connections?x=1"))).status).toBe(400);
    expect((await json(await t.api("/namespaces/conn/connections/kept"))).body.values).toEqual({ url: base });
  });

  it("tests a connection with its type's test(): ok with the secret, refused without, never showing the secret", async () => {
    expect((await json(await t.api("/namespaces/conn/connections/api/test", { method: "POST" })))).toEqual({ status: 200, body: { ok: true, durationMs: expect.any(Number) } });
    await put("conn", "wrong", { type: "http", values: { url: base, bearerToken: "{{ secret('WRONG_TOKEN') }}" } });
    expect(await json(await t.api("/namespaces/conn/connections/wrong/test", { method: "POST" }))).toEqual({ status: 200, body: { ok: false, message: `GET ${base} answered HTTP 401` } });
    // a port nothing listens on any more
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    await put("conn", "down", { type: "http", values: { url: `http://127.0.0.1:${port}` } });
    const down = await json(await t.api("/namespaces/conn/connections/down/test", { method: "POST" }));
    expect(down.body).toMatchObject({ ok: false, message: expect.stringContaining("ECONNREFUSED") });
    expect((await t.api("/namespaces/conn/connections/absent/test", { method: "POST" })).status).toBe(404);
  });

  it("lists the loaded connection types with the plugins, and their properties in the flow JSON Schema as ids", async () => {
    const plugins = (await json(await t.api("/plugins"))).body as Array<{ name: string; connectionTypes: unknown[] }>;
    expect(plugins.find((p) => p.name === "@ferry/plugin-core")?.connectionTypes).toEqual([{ type: "http", title: "HTTP API", secretFields: ["bearerToken", "password"], testable: true }]);
    const schema = JSON.stringify((await json(await t.api("/plugins/schemas/flow"))).body);
    expect(schema).toContain('"the id of a connection of type http (the flow\'s namespace\'s, or a parent\'s)"');
  });

  it("keeps only references in the database: no secret value in it, nor in any answer", async () => {
    const db = await readFile(join(t.dir, ".ferry/ferry.db")).catch(() => Buffer.alloc(0));
    const wal = await readFile(join(t.dir, ".ferry/ferry.db-wal")).catch(() => Buffer.alloc(0));
    const bytes = Buffer.concat([db, wal]);
    expect(bytes.includes(Buffer.from("{{ secret('API_TOKEN') }}"))).toBe(true);
    expect(bytes.includes(Buffer.from(TOKEN_VALUE))).toBe(false);
    const answers = await Promise.all(["/namespaces/conn/connections", "/namespaces/conn/connections/api"].map(async (p) => (await t.api(p)).text()));
    for (const answer of answers) expect(answer).not.toContain(TOKEN_VALUE);
  });

  it("answers 300 random and mutated connection requests without a 500, every error JSON {message}", async () => {
    const valid = JSON.stringify({ type: "http", values: { url: base, bearerToken: "{{ secret('API_TOKEN') }}", headers: { a: "b" } }, description: "d" });
    const mutated = fc.array(fc.tuple(fc.nat({ max: valid.length }), fc.nat({ max: 8 }), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 4 }).map((edits) => {
      let out = valid;
      for (const [at, cut, insert] of edits) out = out.slice(0, at) + insert + out.slice(at + cut);
      return out;
    });
    const body = fc.oneof(
      mutated,
      fc.json({ maxDepth: 4 }),
      fc.record({ type: fc.oneof(fc.constant("http"), fc.string({ maxLength: 10 })), values: fc.dictionary(fc.constantFrom("url", "bearerToken", "username", "password", "headers", "x"), fc.oneof(fc.string(), fc.constant(base), fc.constant("{{ secret('API_TOKEN') }}"), fc.constant("{{ secret('NOPE') }}"), fc.integer(), fc.json())) }).map((v) => JSON.stringify(v)),
    );
    const segment = fc.oneof(fc.constantFrom("conn", "conn.team", "api", "kept"), fc.string({ maxLength: 30 }), fc.constantFrom("..", "%00", "a.b", "x".repeat(300)));
    const failures: string[] = [];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("GET", "PUT", "DELETE", "POST"), segment, segment, body, async (method, namespace, id, text) => {
        const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/connections/${encodeURIComponent(id)}${method === "POST" ? "/test" : ""}`;
        // never delete the connections the other cases use
        if (method === "DELETE" && ["api", "kept"].includes(id)) return;
        const response = await fetch(`${t.ferry.url}${path}`, { method, ...(method === "PUT" ? { body: text, headers: { "content-type": "application/json" } } : {}) });
        const answer = await response.text();
        if (response.status >= 500) failures.push(`${method} ${path} ${text.slice(0, 100)}: ${response.status} ${answer.slice(0, 200)}`);
        else if (response.status >= 400 && !(JSON.parse(answer) as { message?: string }).message) failures.push(`${method} ${path}: ${response.status} without a message`);
        expect(answer).not.toContain(TOKEN_VALUE);
      }),
      { numRuns: 300 },
    );
    expect(failures.slice(0, 10)).toEqual([]);
  }, 120_000);
});
