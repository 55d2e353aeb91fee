import { createMysqlRepository } from "@ferry/repository-mysql";
import type { HistoryExecution, Repository } from "@ferry/sdk";
import { executionOf, logsOf } from "@ferry/testkit";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHistoryTestDatabase, POSTGRES_URL } from "../../history-backends/postgres/src/test-database.test-support.js";
import { createMysqlTestDatabase, MYSQL_URL } from "../../repository-backends/mysql/src/test-database.test-support.js";
import { freePort } from "./support/ferry-process.js";
import { FERRY, startProcess, waitForHealth, type Proc } from "./support/processes.js";

/*
 * A real `ferry server local` (MariaDB primary, PostgreSQL history) SIGKILLed twice: once while
 * its exporter streams the primary into an empty history store, once while a rebuild
 * (`POST /api/v1/history/rebuild`) fills a new generation beside the live one. The exporter
 * writes 1,000 rows of each stream a pass, so 5,000 executions with 20 lines each take about a
 * hundred passes: the kills land mid-stream, which the test checks in PostgreSQL itself (a
 * stored position short of the end; a generation being built with part of the rows) rather
 * than trusting the timing.
 *
 * What it showed (MariaDB 10.11 primary, PostgreSQL 15 history, on the shared 2-core box; two
 * runs killed at 10,000 of 100,000 lines mid-export and at 11,000 / 12,000 lines mid-rebuild): the
 * position stored with each batch (one transaction with the batch) is where a restarted
 * exporter resumes, and the store's idempotent writes make the batch it redoes harmless: no
 * execution or line twice. Killed mid-rebuild, the half-built generation stays unfinished
 * beside the live one; the restarted server finds it (`history_generations.building`), goes
 * on filling it from its own stored position, and switches it live once caught up — the
 * search API answered from the old generation, whole, at every poll before the switch and
 * from the new one, whole, after it (counts of a flow, of a later flow, of a rare word's lines
 * and one execution's lines each took only the old or the new generation's value: 452 old and
 * 1 new of 453 looks in one run, 174 and 2 of 176 in the other).
 */

const EXECUTIONS = 5_000;
const LINES = 20;
const LATE = 200;
const NAMESPACE = "it.rebuild";
const FLOWS = 7;

type ExportStatus = { caughtUp: boolean; lagSeconds: number; up: boolean; rebuilding: boolean; exported: { executions: number; logs: number } };

/** ended executions with LINES lines each, saved in the primary as the engine would (100 at a time, concurrently) */
async function seed(repository: Repository, count: number, flow: (i: number) => string, ids: string[]): Promise<void> {
  for (let start = 0; start < count; start += 100) {
    const chunk: HistoryExecution[] = [];
    for (let i = start; i < Math.min(start + 100, count); i++) chunk.push(executionOf({ namespace: NAMESPACE, flowId: flow(ids.length + i - start), created: new Date().toISOString() }));
    await Promise.all(chunk.map((e) => repository.saveExecution(e.execution, e.taskRuns)));
    // one execution in ten says "needle" in its last line: a full-text match under the exact-count limit (1,000)
    const lines = chunk.flatMap((e, k) =>
      logsOf(e, 0, Array.from({ length: LINES }, (_, l) => ({ message: `line ${l} of run ${ids.length + k}${l === LINES - 1 && (ids.length + k) % 10 === 3 ? " needle" : ""}` }))),
    );
    await repository.appendLogs(lines.map(({ seq: _seq, ...line }) => line));
    ids.push(...chunk.map((e) => e.execution.id));
  }
}

describe.skipIf(!MYSQL_URL || !POSTGRES_URL)("history: kill -9 of the server mid-export and mid-rebuild (MariaDB primary, PostgreSQL history)", () => {
  let primaryDb: { url: string; drop(): Promise<void> };
  let historyDb: { url: string; drop(): Promise<void> };
  let history: postgres.Sql;
  let repository: Repository;
  let dir: string;
  let server: Proc;
  let url: string;
  const ids: string[] = [];

  const start = async () => {
    server = startProcess(process.execPath, [FERRY, "server", "local"], { cwd: dir });
    await waitForHealth(url);
  };
  const status = async () => ((await (await fetch(`${url}/api/v1/history`)).json()) as { export: ExportStatus }).export;
  async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number, everyMs = 200): Promise<void> {
    const started = Date.now();
    while (!(await condition())) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}; server output:\n${server.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
  const generations = async () => (await history<Array<{ live: string; building: string | null }>>`select live, building from history_generations where id = 1`)[0];
  /** rows of one generation's tables, read in PostgreSQL (not through the views the API reads) */
  async function rowsOf(schema: string): Promise<{ executions: number; logs: number; position: { logs: number } | undefined }> {
    const [e] = await history<Array<{ n: string }>>`select count(*) as n from ${history(schema)}.executions`;
    const [l] = await history<Array<{ n: string }>>`select count(*) as n from ${history(schema)}.logs`;
    const [p] = await history<Array<{ logs: string }>>`select logs from ${history(schema)}.export_position where id = 1`;
    return { executions: Number(e.n), logs: Number(l.n), position: p && { logs: Number(p.logs) } };
  }
  /** every execution and line of the primary once in the live generation, none else */
  async function expectExactlyOnce(): Promise<void> {
    const [executions] = await history<Array<{ n: string; distinct: string }>>`select count(*) as n, count(distinct id) as distinct from executions where namespace = ${NAMESPACE}`;
    expect([Number(executions.n), Number(executions.distinct)]).toEqual([ids.length, ids.length]);
    const stored = new Set((await history<Array<{ id: string }>>`select id from executions where namespace = ${NAMESPACE}`).map((r) => r.id));
    expect(ids.filter((id) => !stored.has(id))).toEqual([]);
    const [logs] = await history<Array<{ n: string; seqs: string; lines: string }>>`
      select count(*) as n, count(distinct seq) as seqs, count(distinct (execution_id, message)) as lines from logs where namespace = ${NAMESPACE}`;
    expect([Number(logs.n), Number(logs.seqs), Number(logs.lines)]).toEqual([ids.length * LINES, ids.length * LINES, ids.length * LINES]);
  }
  async function caughtUp(): Promise<void> {
    await until("the export to catch up with lag 0", async () => {
      const s = await status();
      return s.up && s.caughtUp && !s.rebuilding && s.lagSeconds === 0;
    }, 300_000);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/^ferry_history_export_lag_seconds 0$/m);
  }

  beforeAll(async () => {
    primaryDb = await createMysqlTestDatabase();
    historyDb = await createHistoryTestDatabase();
    history = postgres(historyDb.url, { max: 1, onnotice: () => undefined });
    repository = createMysqlRepository({ type: "mysql", url: primaryDb.url });
    await repository.init!();
    dir = await mkdtemp(join(tmpdir(), "ferry-history-kill-"));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await writeFile(
      join(dir, "ferry.yaml"),
      `server: { port: ${port} }\nrepository: { type: mysql, url: "${primaryDb.url}" }\nhistory: { type: postgres, url: "${historyDb.url}" }\nstorage: { type: local, path: ${join(dir, "storage")} }\nlogging: { level: warn }\n`,
    );
    await seed(repository, EXECUTIONS, (i) => `f${i % FLOWS}`, ids);
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await repository?.close?.();
    await history?.end();
    await historyDb?.drop();
    await primaryDb?.drop();
  });

  it("SIGKILLed while the exporter streams, the restarted server resumes from the stored position: every execution and line once, lag 0", async () => {
    await start();
    await until("the export under way", async () => (await status()).exported.logs >= 10 * 1_000, 120_000, 20);
    await server.stop("SIGKILL");
    // mid-stream in the store itself: part of the lines, and the position stored with them
    const { live } = await generations();
    const killed = await rowsOf(live);
    expect(killed.logs).toBeGreaterThan(0);
    expect(killed.logs).toBeLessThan(EXECUTIONS * LINES);
    expect(killed.position?.logs).toBeGreaterThan(0);
    await start();
    await caughtUp();
    await expectExactlyOnce();
    console.log(`kill -9 mid-export: killed with ${killed.executions} executions / ${killed.logs} lines of ${EXECUTIONS} / ${EXECUTIONS * LINES} stored (position at line ${killed.position?.logs}); after the restart all once, lag 0`);
  }, 600_000);

  it("SIGKILLed mid-rebuild: searches keep answering from the whole live generation, the restarted server finishes the rebuild and switches, all once, lag 0", async () => {
    const api = async <T>(path: string) => {
      const response = await fetch(`${url}/api/v1${path}`);
      expect(response.status, `${path}: ${response.status}`).toBe(200);
      return (await response.json()) as T;
    };
    const total = async (path: string) => (await api<{ total: number; totalEstimated?: boolean }>(path)).total;
    const f3 = ids.filter((_, i) => i % FLOWS === 3).length;
    const needles = Math.ceil((ids.length - 3) / 10);
    const probe = ids[1234];
    /** one look through the API; each figure must be the old generation's or the new one's, never between */
    const look = async () => ({
      f3: await total(`/executions/search?namespace=${NAMESPACE}&flowId=f3&size=1`),
      late: await total(`/executions/search?namespace=${NAMESPACE}&flowId=late&size=1`),
      needles: await total(`/logs/search?q=needle&namespace=${NAMESPACE}&size=1`),
      probeLines: (await api<unknown[]>(`/logs/${probe}`)).length,
    });
    const looks: Array<Awaited<ReturnType<typeof look>>> = [];
    expect(await look()).toEqual({ f3, late: 0, needles, probeLines: LINES });
    const before = await generations();
    expect(before.building).toBeNull();

    const rebuilt = await fetch(`${url}/api/v1/history/rebuild`, { method: "POST" });
    expect(rebuilt.status).toBe(202);
    const exportedBefore = (await status()).exported.logs;
    // the rebuild under way; searches read the live generation meanwhile
    await until("the rebuild under way", async () => {
      looks.push(await look());
      const s = await status();
      return s.rebuilding && s.exported.logs - exportedBefore >= 10 * 1_000;
    }, 120_000, 20);
    await server.stop("SIGKILL");
    const killed = await generations();
    // killed mid-rebuild: a generation being built beside the live one, part-filled
    expect(killed.live).toBe(before.live);
    expect(killed.building).not.toBeNull();
    const half = await rowsOf(killed.building!);
    expect(half.logs).toBeGreaterThan(0);
    expect(half.logs).toBeLessThan(EXECUTIONS * LINES);
    // what came to the primary while the server was down: in the rebuilt generation only
    await seed(repository, LATE, () => "late", ids);

    await start();
    // the restarted server's exporter finds the rebuild under way and goes on with it
    await until("the rebuild to finish", async () => {
      looks.push(await look());
      const s = await status();
      return s.caughtUp && !s.rebuilding;
    }, 300_000, 20);
    await caughtUp();
    const after = await generations();
    expect(after).toEqual({ live: killed.building, building: null });
    const schemas = await history<Array<{ name: string }>>`select nspname as name from pg_namespace where nspname like 'history\\_g%' order by 1`;
    expect(schemas.map((s) => s.name)).toEqual([killed.building]);
    await expectExactlyOnce();
    const done = { f3, late: LATE, needles: Math.ceil((ids.length - 3) / 10), probeLines: LINES };
    expect(await look()).toEqual(done);
    // each figure, look after look, is the old generation's until the switch and the new one's after it, never
    // between; a look is four requests, so the switch may fall inside one (its first figures old, its last new)
    const old = { f3, late: 0, needles, probeLines: LINES };
    for (const figure of Object.keys(old) as Array<keyof typeof old>) {
      const values = looks.map((l) => (l[figure] === old[figure] ? "old" : l[figure] === done[figure] ? "new" : `${figure} ${l[figure]}`));
      expect(values.filter((v) => v !== "old" && v !== "new"), figure).toEqual([]);
      expect(values.indexOf("new") === -1 || values.slice(values.indexOf("new")).every((v) => v === "new"), `${figure} went back to the old generation`).toBe(true);
    }
    const whole = looks.map((l) => (JSON.stringify(l) === JSON.stringify(old) ? "old" : JSON.stringify(l) === JSON.stringify(done) ? "new" : "switching"));
    console.log(
      `kill -9 mid-rebuild: killed with ${half.executions} executions / ${half.logs} lines of ${EXECUTIONS} / ${EXECUTIONS * LINES} in ${killed.building} (live ${killed.live}); ` +
        `${looks.length} looks through the API: ${whole.filter((s) => s === "old").length} old, ${whole.filter((s) => s === "new").length} new, ${whole.filter((s) => s === "switching").length} across the switch, no figure between`,
    );
  }, 600_000);
});
