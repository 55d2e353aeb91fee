import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { createHistoryTestDatabase, POSTGRES_URL } from "@ferry/history-postgres/test-support";
import { TcpProxy } from "@ferry/testkit/tcp-proxy";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerry, type FerryServer } from "../../ferry.js";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

const FLOW = `id: hello
namespace: history.test
tasks:
  - id: say
    type: core.Log
    message: "a needle in the haystack"
`;

async function runHello(t: Pick<TestFerry, "api" | "waitForEnd">): Promise<string> {
  const created = (await (await t.api("/executions/history.test/hello", { method: "POST" })).json()) as { id: string };
  await t.waitForEnd(created.id);
  return created.id;
}

describe("history served by the primary (the default)", () => {
  let t: TestFerry;
  beforeAll(async () => {
    t = await startTestFerry();
    await t.deploy(FLOW);
  });
  afterAll(async () => t?.close());

  it("searches, reads and counts from the primary as before; log search says it needs a history store", async () => {
    const id = await runHello(t);
    expect(await (await t.api("/history")).json()).toEqual({ source: "primary" });
    const search = (await (await t.api("/executions/search?namespace=history.test")).json()) as { results: Array<{ id: string }>; total: number };
    expect(search.results.map((e) => e.id)).toContain(id);
    expect(((await (await t.api(`/logs/${id}`)).json()) as Array<{ message: string }>).map((l) => l.message)).toContain("a needle in the haystack");
    const logSearch = await t.api("/logs/search?q=needle");
    expect(logSearch.status).toBe(501);
    expect(((await logSearch.json()) as { message: string }).message).toMatch(/needs a history store of its own \(history.type: postgres\)/);
    const rebuild = await t.api("/history/rebuild", { method: "POST" });
    expect(rebuild.status).toBe(409);
  });
});

describe("history type none", () => {
  let t: TestFerry;
  beforeAll(async () => {
    t = await startTestFerry({ history: { type: "none" } });
    await t.deploy(FLOW);
  });
  afterAll(async () => t?.close());

  it("runs executions and answers them by id; history search and statistics answer 501 naming the setting", async () => {
    const id = await runHello(t);
    expect((await (await t.api(`/executions/${id}`)).json()) as { state: { current: string } }).toMatchObject({ state: { current: "SUCCESS" } });
    const ended = await t.api("/executions/search?state=SUCCESS");
    expect(ended.status).toBe(501);
    expect(((await ended.json()) as { message: string }).message).toMatch(/history search is not configured \(history.type: none\)/);
    // live executions still list
    expect((await t.api("/executions/search?state=RUNNING")).status).toBe(200);
    const stats = await t.api("/executions/statistics/daily", { method: "POST", body: "{}" });
    expect(stats.status).toBe(501);
  });

  it("refuses a key the history type does not take, naming it", async () => {
    await expect(startTestFerry({ history: { type: "none", url: "postgres://x" } })).rejects.toThrow("invalid configuration at history.url: unknown key for history type 'none' (it takes no options besides type)");
  });
});

describe.skipIf(!POSTGRES_URL)("history in PostgreSQL", () => {
  let ferry: FerryServer;
  let dir: string;
  let proxy: TcpProxy;
  let database: Awaited<ReturnType<typeof createHistoryTestDatabase>>;
  const lines: string[] = [];
  let t: Pick<TestFerry, "api" | "waitForEnd">;

  beforeAll(async () => {
    database = await createHistoryTestDatabase();
    const target = new URL(database.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    target.port = String(proxy.port);
    // out of reach at start
    await proxy.cut();
    dir = await mkdtemp(join(tmpdir(), "ferry-history-"));
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    ferry = await startFerry({
      config: configSchema.parse({ server: { port: 0 }, history: { type: "postgres", url: target.toString() } }),
      baseDir: dir,
      inProcess: composeLocalWorker,
      logger: pino({ level: "warn" }, sink),
    });
    const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
    t = {
      api,
      async waitForEnd(id) {
        for (let i = 0; i < 200; i++) {
          const e = (await (await api(`/executions/${id}`)).json()) as { state: { current: string } };
          if (e.state.current === "SUCCESS" || e.state.current === "FAILED") return e;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`execution ${id} did not end`);
      },
    };
    const flow = await api("/flows", { method: "POST", body: FLOW, headers: { "content-type": "application/x-yaml" } });
    expect(flow.status).toBe(200);
  });
  afterAll(async () => {
    await ferry?.close();
    await proxy?.stop();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("starts with a warning while the history store is out of reach; executions run; history answers 503 JSON; back, it serves what was exported", { timeout: 120_000 }, async () => {
    expect(lines.join("")).toMatch(/history store \(postgres\) is out of reach: executions run, history queries answer 503/);
    const id = await runHello(t);
    // by id, the primary answers
    expect(((await (await t.api(`/executions/${id}`)).json()) as { id: string }).id).toBe(id);
    const down = await t.api("/executions/search?namespace=history.test");
    expect(down.status).toBe(503);
    expect(((await down.json()) as { message: string }).message).toMatch(/out of reach/);
    await proxy.restore();
    let found: { results: Array<{ id: string }>; total: number } = { results: [], total: 0 };
    // the exporter backs off up to 30 s while the store is down: its next attempt may be that far
    for (let i = 0; i < 600 && !found.results.length; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const response = await t.api("/executions/search?namespace=history.test");
      if (response.status === 200) found = (await response.json()) as typeof found;
    }
    expect(found.results.map((e) => e.id)).toEqual([id]);
    const logSearch = (await (await t.api("/logs/search?q=needle&namespace=history.test")).json()) as { results: Array<{ executionId: string }> };
    expect(logSearch.results.map((l) => l.executionId)).toEqual([id]);
    expect(((await (await t.api(`/logs/${id}`)).json()) as Array<{ message: string }>).map((l) => l.message)).toContain("a needle in the haystack");
    const status = (await (await t.api("/history")).json()) as { source: string; export: { caughtUp: boolean; lagSeconds: number } };
    expect(status.source).toBe("exported");
    const metrics = await (await fetch(`${ferry.url}/metrics`)).text();
    expect(metrics).toMatch(/ferry_history_export_lag_seconds \d/);
    expect(metrics).toMatch(/ferry_history_store_up 1/);
    const rebuilt = await t.api("/history/rebuild", { method: "POST" });
    expect(rebuilt.status).toBe(202);
  });
});

describe("history.primaryRetention", () => {
  it("is refused unless history is exported, naming the key", async () => {
    await expect(startTestFerry({ history: { type: "repository", primaryRetention: "P1D" } })).rejects.toThrow(
      "invalid configuration at history.primaryRetention: only an exported history store (history.type: postgres) can take the primary's ended executions; history type 'repository' is answered by the primary itself",
    );
    const bad = configSchema.safeParse({ history: { type: "postgres", url: "postgres://127.0.0.1:1/x", primaryRetention: "one day" } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ["history", "primaryRetention"], message: "expected an ISO-8601 duration such as PT30S" });
  });
});
