import { TcpProxy } from "@ferry/testkit/tcp-proxy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loseRedisData } from "./support/redis-loss.js";
import { startCluster, TERMINAL, type Cluster, type Execution } from "./support/cluster.js";
import { SHARED_DATABASES } from "./support/databases.js";
import { FERRY, startProcess, waitForHealth } from "./support/processes.js";

/*
 * Recovery after faults (issue 16.2), on PostgreSQL and MariaDB + Redis, one scheduler and
 * two workers as real processes. Each test prints a `chaos figure` line (RELIABILITY.md
 * collects them); sizes are small here and set by FERRY_CHAOS_SCALE for the figures.
 * staleAfter is 60 s in these clusters, so what recovers sooner than that was noticed by
 * the fast paths under test (the queue's epoch, a restarted scheduler's reconciliation),
 * not by work looking stale.
 */
const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
if (!REDIS_URL) console.warn("\n*** SKIPPING the recovery chaos tests: set FERRY_TEST_REDIS_URL ***\n");
const SCALE = Number(process.env.FERRY_CHAOS_SCALE ?? 1);
const EXECUTOR = "{ reconcileEvery: PT1S, staleAfter: PT60S }";

const steps = (namespace: string) => `id: steps
namespace: ${namespace}
tasks:
${Array.from({ length: 4 }, (_, i) => `  - { id: step${i}, type: core.Log, message: "step ${i} of {{ execution.id }}" }`).join("\n")}
`;

function figure(name: string, values: Record<string, unknown>) {
  console.log(`chaos figure ${JSON.stringify({ test: name, ...values })}`);
}

async function start(c: Cluster, namespace: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += 50) {
    ids.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => c.api<{ id: string }>(`/executions/${namespace}/steps`, { method: "POST" }).then((e) => e.id)))));
  }
  return ids;
}

/** waits for every execution to end; answers the states that are not SUCCESS */
async function allEnd(c: Cluster, ids: string[], timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(ids);
  const bad: string[] = [];
  while (pending.size && Date.now() < deadline) {
    for (const id of [...pending].slice(0, 100)) {
      const e = await c.api<Execution>(`/executions/${id}`).catch(() => undefined);
      if (e && TERMINAL.includes(e.state.current)) {
        pending.delete(id);
        if (e.state.current !== "SUCCESS") bad.push(`${id} ${e.state.current}`);
      }
    }
    if (pending.size) await new Promise((r) => setTimeout(r, 200));
  }
  const stuck = await Promise.all(
    [...pending].slice(0, 3).map(async (id) => {
      const e = await c.api<Execution>(`/executions/${id}`).catch(() => undefined);
      const logs = await c.api<Array<{ timestamp: string; level: string; message: string }>>(`/logs/${id}`).catch(() => []);
      const runs = e?.taskRunList.map((t) => `${t.taskId} ${t.state.current} attempts ${t.attempts.map((a) => a.state.current).join(",")}`).join("; ");
      return `${id} still ${e?.state.current}: ${runs} | ${logs.map((l) => `${l.timestamp} ${l.level} ${l.message}`).join(" | ")}`;
    }),
  );
  return [...bad, ...stuck, ...(pending.size > 3 ? [`and ${pending.size - 3} more still running`] : [])];
}

for (const repo of SHARED_DATABASES) {
  describe.skipIf(!REDIS_URL || !repo.enabled)(`recovery on ${repo.name} + Redis`, () => {
    let db: { url: string; drop(): Promise<void> };
    let dbProxy: TcpProxy;
    let c: Cluster;
    beforeAll(async () => {
      db = await repo.create();
      const target = new URL(db.url);
      dbProxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port) });
      target.port = String(dbProxy.port);
      c = await startCluster({ repository: { type: repo.type, url: target.toString() }, redisUrl: REDIS_URL!, executor: EXECUTOR });
      for (const ns of ["it.baseline", "it.redis", "it.scheduler", "it.database"]) await c.deploy(steps(ns));
    }, 120_000);
    afterAll(async () => {
      await c?.stop();
      await dbProxy?.stop();
      await db?.drop();
    });

    it("baseline: the same load without a fault (what the recovery figures compare with)", async () => {
      const startedAt = Date.now();
      const ids = await start(c, "it.baseline", 200 * SCALE);
      expect(await allEnd(c, ids, 120_000)).toEqual([]);
      figure("no fault", { repository: repo.name, executions: ids.length, allEndedAfterMs: Date.now() - startedAt });
    }, 180_000);

    it("Redis loses its data mid-run: the lost work moves again within seconds, every execution ends SUCCESS", async () => {
      const ids = await start(c, "it.redis", 100 * SCALE);
      await loseRedisData(REDIS_URL!, c.prefix);
      const lostAt = Date.now();
      // half of staleAfter: only the epoch can have noticed the loss this soon
      expect(await allEnd(c, ids, 30_000)).toEqual([]);
      figure("Redis data lost", { repository: repo.name, executions: ids.length, allEndedAfterMs: Date.now() - lostAt });
    }, 120_000);

    it("the scheduler is killed with SIGKILL with executions in flight: after a restart every one ends SUCCESS", async () => {
      const ids = await start(c, "it.scheduler", 200 * SCALE);
      const scheduler = c.schedulers[0];
      await scheduler.stop("SIGKILL");
      const killedAt = Date.now();
      c.schedulers[0] = startProcess(process.execPath, [FERRY, "server", "scheduler"], { cwd: scheduler.cwd!, env: scheduler.env });
      await waitForHealth(c.url);
      expect(await allEnd(c, ids, 60_000)).toEqual([]);
      figure("scheduler SIGKILL", { repository: repo.name, executions: ids.length, allEndedAfterMs: Date.now() - killedAt });
    }, 180_000);

    it("the database is out of reach for a while: nothing is lost, every execution ends SUCCESS once it is back", async () => {
      const ids = await start(c, "it.database", 50 * SCALE);
      const outageMs = Number(process.env.FERRY_CHAOS_DB_OUTAGE_MS ?? 5000);
      await dbProxy.cut();
      await new Promise((r) => setTimeout(r, outageMs));
      await dbProxy.restore();
      const backAt = Date.now();
      // half of staleAfter: the executor's own retries must have finished them, not the staleness net
      expect(await allEnd(c, ids, 30_000)).toEqual([]);
      figure("database unreachable", { repository: repo.name, executions: ids.length, outageMs, allEndedAfterBackMs: Date.now() - backAt });
    }, 180_000);
  });
}
