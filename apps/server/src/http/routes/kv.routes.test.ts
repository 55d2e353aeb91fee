import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setNamespaceIsolation } from "@ferry/sdk";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

let t: TestFerry;
// the server sets the process's namespace isolation from its configuration; test files share a process: put it back
beforeAll(async () => void (t = await startTestFerry({ namespaces: { isolation: "tree" }, kv: { sharedNamespaces: ["shared.config"] } })));
afterAll(async () => {
  await t?.close();
  setNamespaceIsolation("none");
});

const put = (namespace: string, key: string, body: string, headers: Record<string, string> = {}) =>
  t.api(`/namespaces/${namespace}/kv/${key}`, { method: "PUT", body, headers: { "content-type": "application/json", ...headers } });

describe("KV store API", () => {
  it("infers each type from the JSON body, answers {type, value}, lists metadata, deletes with true or false", async () => {
    const cases: Array<[string, string, string, unknown]> = [
      ["greeting", '"Hello World"', "STRING", "Hello World"],
      ["when", '"2026-11-22T10:00:00Z"', "DATETIME", "2026-11-22T10:00:00Z"],
      ["day", '"2026-11-22"', "DATE", "2026-11-22"],
      ["every", '"PT5M"', "DURATION", "PT5M"],
      ["count", "42", "NUMBER", 42],
      ["flag", "true", "BOOLEAN", true],
      ["config", '{"a":{"b":[1,2]}}', "JSON", { a: { b: [1, 2] } }],
    ];
    for (const [key, body, type, value] of cases) {
      expect((await put("kv.test", key, body)).status, key).toBe(200);
      expect(await (await t.api(`/namespaces/kv.test/kv/${key}`)).json()).toEqual({ type, value });
    }
    const list = (await (await t.api("/namespaces/kv.test/kv")).json()) as Array<{ key: string; creationDate: string; expirationDate: string | null }>;
    expect(list.map((e) => e.key)).toEqual(["config", "count", "day", "every", "flag", "greeting", "when"]);
    expect(list[0]).toMatchObject({ creationDate: expect.any(String), expirationDate: null });
    expect(await (await t.api("/namespaces/kv.test/kv/count", { method: "DELETE" })).json()).toBe(true);
    expect(await (await t.api("/namespaces/kv.test/kv/count", { method: "DELETE" })).json()).toBe(false);
    expect((await t.api("/namespaces/kv.test/kv/count")).status).toBe(404);
  });

  it("keeps values in storage, never in a database row", async () => {
    await put("kv.test", "private", '"value-only-in-storage-7731"');
    const db = await readFile(join(t.dir, ".ferry/ferry.db")).catch(() => Buffer.alloc(0));
    const wal = await readFile(join(t.dir, ".ferry/ferry.db-wal")).catch(() => Buffer.alloc(0));
    expect(db.length + wal.length).toBeGreaterThan(0);
    expect(Buffer.concat([db, wal]).includes(Buffer.from("value-only-in-storage-7731"))).toBe(false);
    // one file per version of the value, under _kv/@versions/<key>/
    const versions = join(t.dir, ".ferry/storage/kv/test/_kv/@versions/private");
    const [version, ...others] = await readdir(versions);
    expect(others).toEqual([]);
    expect(await readFile(join(versions, version!), "utf8")).toBe('"value-only-in-storage-7731"');
  });

  it("expires a pair after its ttl", async () => {
    expect((await put("kv.test", "brief", '"soon gone"', { ttl: "PT0.3S" })).status).toBe(200);
    expect((await t.api("/namespaces/kv.test/kv/brief")).status).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    expect((await t.api("/namespaces/kv.test/kv/brief")).status).toBe(404);
    expect(((await (await t.api("/namespaces/kv.test/kv")).json()) as Array<{ key: string }>).map((e) => e.key)).not.toContain("brief");
  });

  it("answers bad keys, bodies and ttls with 400 JSON, and leaves the previous value", async () => {
    await put("kv.test", "kept", '"first"');
    for (const [key, body, headers] of [["bad key!", '"x"', {}], ["kept", "not json", {}], ["kept", '"x"', { ttl: "soon" }]] as const) {
      const response = await put("kv.test", encodeURIComponent(key), body, headers);
      expect(response.status, `${key} ${body}`).toBe(400);
      expect(await response.json()).toHaveProperty("message");
    }
    expect(await (await t.api("/namespaces/kv.test/kv/kept")).json()).toEqual({ type: "STRING", value: "first" });
  });

  it("answers 413 JSON to a value over server.maxBodySize, and leaves the previous value", async () => {
    const tooBig = JSON.stringify("x".repeat(10 * 1024 * 1024 + 1));
    const response = await put("kv.test", "kept", tooBig);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { message: string }).message).toMatch(/over \d+ bytes/);
    expect(await (await t.api("/namespaces/kv.test/kv/kept")).json()).toEqual({ type: "STRING", value: "first" });
  });

  it("serves flows: the kv tasks under Kestra's names, kv() in templates, and with namespaces.isolation: tree only their own, parent and shared namespaces", async () => {
    await put("company", "shared", '{"region":"eu"}');
    await put("shared.config", "flag", "true");
    await t.deploy(`id: kv-flow
namespace: company.team
tasks:
  - { id: set, type: io.kestra.plugin.core.kv.Set, key: counter, value: 41, kvType: NUMBER }
  - { id: set2, type: core.kv.Set, key: counter_label, value: "forty-one" }
  - { id: get, type: io.kestra.plugin.core.kv.Get, key: counter }
  - { id: keys, type: io.kestra.plugin.core.kv.GetKeys, prefix: counter }
  - { id: log, type: core.Log, message: "{{ kv('counter') + 1 }} in {{ kv('shared', 'company').region }}; missing={{ kv('nope', 'company.team', false) ?? 'none' }}" }
  - { id: missing, type: core.kv.Get, key: nope }
  - { id: delete, type: io.kestra.plugin.core.kv.Delete, key: counter_label }
  - { id: shared, type: core.kv.Get, key: flag, namespace: shared.config }
  - { id: refused, type: core.kv.Get, key: x, namespace: other.team, allowFailure: true }
`);
    const ended = (await (await t.api("/executions/company.team/kv-flow?wait=true", { method: "POST" })).json()) as any;
    expect(ended.state.current).toBe("WARNING");
    const out = (id: string) => ended.taskRunList.find((r: { taskId: string }) => r.taskId === id)?.outputs;
    expect(out("get")).toEqual({ value: 41 });
    expect(out("keys")).toEqual({ keys: ["counter", "counter_label"] });
    expect(out("missing")).toEqual({ value: null });
    expect(out("delete")).toEqual({ deleted: true });
    expect(out("shared")).toEqual({ value: true });
    const logs = ((await (await t.api(`/logs/${ended.id}`)).json()) as Array<{ message: string }>).map((l) => l.message);
    expect(logs).toContain("42 in eu; missing=none");
    expect(logs).toContain("namespace company.team may not use the KV store of namespace other.team (namespaces.isolation: tree — only its own, its parents', and kv.sharedNamespaces)");
  });

  it("lists namespaces that have flows or KV pairs, with their parents", async () => {
    const namespaces = ((await (await t.api("/namespaces")).json()) as Array<{ id: string }>).map((n) => n.id);
    expect(namespaces).toEqual(expect.arrayContaining(["company", "company.team", "kv", "kv.test", "shared", "shared.config"]));
    expect(namespaces).toEqual([...namespaces].sort());
  });
});
