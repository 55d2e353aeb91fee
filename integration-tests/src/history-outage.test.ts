import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHistoryTestDatabase, POSTGRES_URL } from "../../history-backends/postgres/src/test-database.test-support.js";
import { freePort, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

/*
 * The PostgreSQL history store really out of reach, with a real `ferry server local` (SQLite
 * primary): at start, a URL whose port nothing listens on; mid-run, the history database
 * refusing every connection (`allow_connections false`, its sessions terminated: what a
 * database taken down for maintenance answers — superusers included, unlike a connection
 * limit). Either way the engine runs executions to the end on the primary, history queries
 * answer 503 JSON saying the store is out of reach, /api/v1/history and /metrics say it is
 * down, and once it is back the exporter catches up to lag 0. Then the history database is
 * dropped (`with (force)`) and created again, empty: 503 meanwhile, and afterwards the store
 * lays itself out again and the exporter, finding no position there, exports the primary anew.
 *
 * What it showed: before this test, the mid-run case answered 500 (postgres's
 * `55000 database … is not currently accepting connections` was not taken for an outage; the
 * history backend now maps the connection-level states the postgres repository does, see
 * postgres.history.ts). A dropped database answered 500 (`3D000`), and once created again
 * stayed broken (the layout, created once per process, was gone: `42P01`); the store now takes
 * both for the layout lost and creates it again on the next call.
 */

const NAMESPACE = "it.history.outage";
const FLOW = `id: hello
namespace: ${NAMESPACE}
tasks:
  - { id: log, type: core.Log, message: "a needle from {{ execution.id }}" }
`;

type Status = { export: { up: boolean; caughtUp: boolean; lagSeconds: number } };

async function deployAndRun(url: string): Promise<string> {
  const created = (await (await fetch(`${url}/api/v1/executions/${NAMESPACE}/hello?wait=true`, { method: "POST" })).json()) as { id: string; state: { current: string } };
  expect(created.state.current).toBe("SUCCESS");
  return created.id;
}

async function until(what: string, ferry: FerryProcess, condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}; server output:\n${ferry.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** history queries answer 503 JSON naming the store; the execution itself is read from the primary */
async function expectHistoryDown(url: string, id: string): Promise<void> {
  for (const path of [`/executions/search?namespace=${NAMESPACE}`, `/logs/search?q=needle&namespace=${NAMESPACE}`]) {
    const response = await fetch(`${url}/api/v1${path}`);
    expect(response.status, path).toBe(503);
    expect(response.headers.get("content-type")).toMatch(/application\/json/);
    expect(((await response.json()) as { message: string }).message).toMatch(/the history store \(postgres\) is out of reach/);
  }
  const execution = await fetch(`${url}/api/v1/executions/${id}`);
  expect(execution.status).toBe(200);
  expect(((await execution.json()) as { state: { current: string } }).state.current).toBe("SUCCESS");
  expect(((await (await fetch(`${url}/api/v1/history`)).json()) as Status).export.up).toBe(false);
  expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^ferry_history_store_up 0$/m);
}

describe("history store out of reach at start (a port nothing listens on)", () => {
  let ferry: FerryProcess;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    ferry = await startFerryProcess({ env: { FERRY_HISTORY__TYPE: "postgres", FERRY_HISTORY__URL: `postgres://postgres@127.0.0.1:${port}/history` } });
    url = ferry.url;
    expect((await fetch(`${url}/api/v1/flows`, { method: "POST", body: FLOW, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
  }, 60_000);
  afterAll(async () => ferry?.stop());

  it("starts with a clear warning, runs executions, and answers history queries 503 JSON", async () => {
    expect(ferry.output()).toMatch(/history store \(postgres\) is out of reach: executions run, history queries answer 503 until it is back \(.*ECONNREFUSED/);
    const id = await deployAndRun(url);
    await until("the exporter to report the store down", ferry, async () => /^ferry_history_store_up 0$/m.test(await (await fetch(`${url}/metrics`)).text()), 30_000);
    await expectHistoryDown(url, id);
    expect(ferry.child.exitCode).toBeNull();
  }, 60_000);
});

describe.skipIf(!POSTGRES_URL)("history database refusing connections mid-run (allow_connections false, sessions terminated)", () => {
  let ferry: FerryProcess;
  let url: string;
  let historyDb: { url: string; drop(): Promise<void> };
  let admin: postgres.Sql;
  let name: string;
  const refuse = async (refused: boolean) => {
    await admin.unsafe(`alter database "${name}" with allow_connections ${refused ? "false" : "true"}`);
    if (refused) await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
  };

  beforeAll(async () => {
    historyDb = await createHistoryTestDatabase();
    name = new URL(historyDb.url).pathname.slice(1);
    admin = postgres(POSTGRES_URL!, { max: 1, onnotice: () => undefined });
    ferry = await startFerryProcess({ env: { FERRY_HISTORY__TYPE: "postgres", FERRY_HISTORY__URL: historyDb.url } });
    url = ferry.url;
    expect((await fetch(`${url}/api/v1/flows`, { method: "POST", body: FLOW, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await ferry?.stop();
    if (name) await refuse(false).catch(() => undefined);
    await admin?.end();
    await historyDb?.drop();
  });

  it("executions keep running, history queries answer 503 JSON, and once it is back the export catches up to lag 0", async () => {
    const search = async () => (await (await fetch(`${url}/api/v1/executions/search?namespace=${NAMESPACE}&size=100`)).json()) as { results: Array<{ id: string }> };
    const before = await deployAndRun(url);
    await until("the first execution in history", ferry, async () => (await search()).results.length === 1, 60_000);

    await refuse(true);
    const during = [await deployAndRun(url), await deployAndRun(url)];
    await until("the exporter to report the store down", ferry, async () => /^ferry_history_store_up 0$/m.test(await (await fetch(`${url}/metrics`)).text()), 60_000);
    await expectHistoryDown(url, during[1]);
    expect(ferry.output()).toMatch(/history export failed \(attempt 1; retrying in \d+ ms\): .*not currently accepting connections/);

    await refuse(false);
    // the exporter backs off up to 30 s while the store is down: its next attempt may be that far
    await until("the export to catch up", ferry, async () => {
      const s = ((await (await fetch(`${url}/api/v1/history`)).json()) as Status).export;
      return s.up && s.caughtUp && s.lagSeconds === 0;
    }, 120_000);
    expect((await search()).results.map((e) => e.id).sort()).toEqual([before, ...during].sort());
    const lines = (await (await fetch(`${url}/api/v1/logs/search?q=needle&namespace=${NAMESPACE}`)).json()) as { total: number };
    expect(lines.total).toBe(3);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^ferry_history_export_lag_seconds 0$/m);
    expect(ferry.child.exitCode).toBeNull();
  }, 240_000);

  it("the history database dropped: 503 JSON while executions run; created again empty, it is filled from the primary from the start", async () => {
    const search = async () => (await (await fetch(`${url}/api/v1/executions/search?namespace=${NAMESPACE}&size=100`)).json()) as { results: Array<{ id: string }> };
    const before = (await search()).results.map((e) => e.id);
    expect(before).toHaveLength(3);
    await admin.unsafe(`drop database "${name}" with (force)`);
    const during = await deployAndRun(url);
    await until("the exporter to report the store down", ferry, async () => /^ferry_history_store_up 0$/m.test(await (await fetch(`${url}/metrics`)).text()), 60_000);
    await expectHistoryDown(url, during);
    await admin.unsafe(`create database "${name}"`);
    await until("the export to catch up", ferry, async () => {
      const s = ((await (await fetch(`${url}/api/v1/history`)).json()) as Status).export;
      return s.up && s.caughtUp && s.lagSeconds === 0;
    }, 120_000);
    expect((await search()).results.map((e) => e.id).sort()).toEqual([...before, during].sort());
    const lines = (await (await fetch(`${url}/api/v1/logs/search?q=needle&namespace=${NAMESPACE}`)).json()) as { total: number };
    expect(lines.total).toBe(4);
    expect(ferry.child.exitCode).toBeNull();
  }, 240_000);
});
