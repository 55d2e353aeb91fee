import { createMysqlRepository } from "@ferry/repository-mysql";
import type { HistoryExecution, Repository } from "@ferry/sdk";
import { executionOf, logsOf } from "@ferry/testkit";
import { TcpProxy } from "@ferry/testkit/tcp-proxy";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHistoryTestDatabase, POSTGRES_URL } from "../../history-backends/postgres/src/test-database.test-support.js";
import { createMysqlTestDatabase, MYSQL_URL } from "../../repository-backends/mysql/src/test-database.test-support.js";
import { freePort } from "./support/ferry-process.js";
import { FERRY, startProcess, waitForHealth, type Proc } from "./support/processes.js";

const EXECUTIONS = 10_000;
const LINES_PER_EXECUTION = 2;
const NAMESPACE = "it.history";

type ExportStatus = { caughtUp: boolean; lagSeconds: number; up: boolean; exported: { executions: number; logs: number } };

/**
 * Saves executions and their lines in the primary as the engine would, 100 at a time and
 * concurrently (so commits come out of `updated` order, as they do between server replicas),
 * each stamped with the time it is saved — the exporter's overlap is measured in that time.
 */
async function seed(repository: Repository, from: number, count: number, ids: string[]): Promise<void> {
  for (let start = from; start < from + count; start += 100) {
    const chunk: HistoryExecution[] = [];
    for (let i = start; i < Math.min(start + 100, from + count); i++) chunk.push(executionOf({ namespace: NAMESPACE, flowId: `f${i % 7}`, created: new Date().toISOString() }));
    await Promise.all(chunk.map((e) => repository.saveExecution(e.execution, e.taskRuns)));
    const lines = chunk.flatMap((e, i) => logsOf(e, 0, [{ message: `started run ${start + i}` }, { message: `finished run ${start + i} cleanly` }]));
    await repository.appendLogs(lines.map(({ seq: _seq, ...line }) => line));
    ids.push(...chunk.map((e) => e.execution.id));
  }
}

describe.skipIf(!MYSQL_URL || !POSTGRES_URL)("history export: MariaDB primary, PostgreSQL history behind a proxy, 10,000 executions", () => {
  let primaryDb: { url: string; drop(): Promise<void> };
  let historyDb: { url: string; drop(): Promise<void> };
  let proxy: TcpProxy;
  let repository: Repository;
  let server: Proc;
  let url: string;
  const ids: string[] = [];

  const status = async () => {
    try {
      return ((await (await fetch(`${url}/api/v1/history`)).json()) as { export: ExportStatus }).export;
    } catch (error) {
      // a server that stopped answering: say how it ended and what it printed (a CI run once saw only ECONNREFUSED)
      const { exitCode, signalCode } = server.child;
      throw new Error(`the server did not answer (${String(error)}; exit code ${exitCode}, signal ${signalCode}); its output:\n${server.output().slice(-3000)}`, { cause: error });
    }
  };
  async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
    const started = Date.now();
    while (!(await condition())) {
      if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}; server output:\n${server.output().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    return Date.now() - started;
  }

  beforeAll(async () => {
    primaryDb = await createMysqlTestDatabase();
    historyDb = await createHistoryTestDatabase();
    const target = new URL(historyDb.url);
    proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(historyDb.url);
    viaProxy.port = String(proxy.port);
    repository = createMysqlRepository({ type: "mysql", url: primaryDb.url });
    await repository.init!();
    const dir = await mkdtemp(join(tmpdir(), "ferry-history-export-"));
    const port = await freePort();
    await writeFile(
      join(dir, "ferry.yaml"),
      `server: { port: ${port} }\nrepository: { type: mysql, url: "${primaryDb.url}" }\nhistory: { type: postgres, url: "${viaProxy}" }\nstorage: { type: local, path: ${join(dir, "storage")} }\nlogging: { level: warn }\n`,
    );
    server = startProcess(process.execPath, [FERRY, "server", "local"], { cwd: dir });
    url = `http://127.0.0.1:${port}`;
    await waitForHealth(url);
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await repository?.close?.();
    await proxy?.stop();
    await historyDb?.drop();
    await primaryDb?.drop();
  });

  it("exports every execution and line exactly once across a history outage, and its lag returns to 0", async () => {
    const seedStarted = Date.now();
    await seed(repository, 0, EXECUTIONS / 2, ids);
    const firstHalfMs = Date.now() - seedStarted;
    // mid-way: the history store goes away while the export is under way
    await until("the export under way", async () => (await status()).exported.executions > 0, 60_000);
    await proxy.cut();
    await seed(repository, EXECUTIONS / 2, EXECUTIONS / 2, ids);
    await until("the exporter to see the outage", async () => !(await status()).up, 60_000);
    // the engine is not held up: the primary answers, history queries say 503 in JSON
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    const down = await fetch(`${url}/api/v1/executions/search?namespace=${NAMESPACE}`);
    expect(down.status).toBe(503);
    expect(((await down.json()) as { message: string }).message).toMatch(/out of reach/);
    const restored = Date.now();
    await proxy.restore();
    const catchUpMs = await until("the exporter to catch up", async () => {
      const s = await status();
      return s.up && s.caughtUp && s.lagSeconds === 0;
    }, 240_000);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/^ferry_history_export_lag_seconds 0$/m);
    expect(metrics).toMatch(/^ferry_history_store_up 1$/m);

    const history = postgres(historyDb.url, { max: 1, onnotice: () => undefined });
    try {
      const [executions] = await history<Array<{ n: string; distinct: string }>>`select count(*) as n, count(distinct id) as distinct from executions where namespace = ${NAMESPACE}`;
      expect(Number(executions.n)).toBe(EXECUTIONS);
      expect(Number(executions.distinct)).toBe(EXECUTIONS);
      const stored = new Set((await history<Array<{ id: string }>>`select id from executions where namespace = ${NAMESPACE}`).map((r) => r.id));
      expect(ids.filter((id) => !stored.has(id))).toEqual([]);
      const [logs] = await history<Array<{ n: string; distinct: string; lines: string }>>`
        select count(*) as n, count(distinct seq) as distinct, count(distinct (execution_id, message)) as lines from logs where namespace = ${NAMESPACE}`;
      expect(Number(logs.n)).toBe(EXECUTIONS * LINES_PER_EXECUTION);
      expect(Number(logs.distinct)).toBe(EXECUTIONS * LINES_PER_EXECUTION);
      expect(Number(logs.lines)).toBe(EXECUTIONS * LINES_PER_EXECUTION);
    } finally {
      await history.end();
    }
    // through the API: search pages by keyset, and full-text log search across executions
    // past 1,000 matches a total is the planner's estimate, marked as such (exact counts of millions cost seconds)
    const page = (await (await fetch(`${url}/api/v1/executions/search?namespace=${NAMESPACE}&size=100`)).json()) as { total: number; totalEstimated?: boolean; next?: string };
    expect([page.totalEstimated, page.total > 1_000]).toEqual([true, true]);
    expect(page.next).toBeDefined();
    const found = (await (await fetch(`${url}/api/v1/logs/search?q=finished%20cleanly&namespace=${NAMESPACE}&size=5`)).json()) as { total: number; totalEstimated?: boolean };
    expect([found.totalEstimated, found.total > 1_000]).toEqual([true, true]);
    console.log(
      `history export: seeded ${EXECUTIONS / 2} executions in ${firstHalfMs} ms; after the outage, caught up ${EXECUTIONS} executions / ${EXECUTIONS * LINES_PER_EXECUTION} lines in ${catchUpMs} ms (restored at +${restored - seedStarted} ms)`,
    );
  }, 600_000);
});
