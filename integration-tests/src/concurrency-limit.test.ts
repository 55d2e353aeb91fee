import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, TERMINAL, type Cluster } from "./support/cluster.js";
import { SHARED_DATABASES } from "./support/databases.js";

/*
 * Flow concurrency across scheduler replicas (issue 16.3): two scheduler processes, each
 * taking half of the starts of a flow with `limit: 3`, on PostgreSQL and MariaDB + Redis.
 * The limit holds when both admit at once (the slot is taken under the flow's row lock) and
 * every execution ends; the order of the line is the repository contract's to prove. Prints a `chaos figure`
 * line for RELIABILITY.md; FERRY_CONCURRENCY_STARTS sets the starts per scheduler.
 */
const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
if (!REDIS_URL) console.warn("\n*** SKIPPING the concurrency limit tests: set FERRY_TEST_REDIS_URL ***\n");
const PER_SCHEDULER = Number(process.env.FERRY_CONCURRENCY_STARTS ?? 100);

type Timed = { id: string; state: { current: string; histories: Array<{ state: string; date: string }> } };

/** the most executions RUNNING at one instant, from their state histories (an end before a start at the same ms) */
function mostAtOnce(executions: Timed[]): number {
  const edges: Array<[number, number]> = [];
  for (const e of executions) {
    const running = e.state.histories.find((s) => s.state === "RUNNING");
    const end = e.state.histories.find((s) => TERMINAL.includes(s.state));
    if (running) edges.push([Date.parse(running.date), +1], [end ? Date.parse(end.date) : Infinity, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (now += step));
  return most;
}

for (const repo of SHARED_DATABASES) {
  describe.skipIf(!REDIS_URL || !repo.enabled)(`flow concurrency on ${repo.name} + Redis, two schedulers`, () => {
    let db: { url: string; drop(): Promise<void> };
    let c: Cluster;
    beforeAll(async () => {
      db = await repo.create();
      c = await startCluster({ repository: { type: repo.type, url: db.url }, redisUrl: REDIS_URL!, schedulers: 2, workers: 2 });
      const deployed = await c.deploy(`id: limited\nnamespace: it.concurrency\nconcurrency: { limit: 3, behavior: QUEUE }\ntasks:\n  - { id: nap, type: core.Sleep, duration: PT0.05S }\n`);
      expect(deployed.status).toBe(200);
    }, 120_000);
    afterAll(async () => {
      await c?.stop();
      await db?.drop();
    });

    it(`2 × ${PER_SCHEDULER} starts of a flow with limit 3: never more than 3 running at once, every one ends SUCCESS`, async () => {
      const startedAt = Date.now();
      // both schedulers admit at once: each API hands its starts to its own executor first
      const startOn = async (url: string) => {
        const ids: string[] = [];
        for (let i = 0; i < PER_SCHEDULER; i += 20) {
          const batch = Array.from({ length: Math.min(20, PER_SCHEDULER - i) }, async () => {
            const res = await fetch(`${url}/api/v1/executions/it.concurrency/limited`, { method: "POST" });
            return ((await res.json()) as { id: string }).id;
          });
          ids.push(...(await Promise.all(batch)));
        }
        return ids;
      };
      const ids = (await Promise.all(c.urls.map(startOn))).flat();
      const ended: Timed[] = [];
      const deadline = Date.now() + 240_000;
      const pending = new Set(ids);
      while (pending.size && Date.now() < deadline) {
        for (const id of [...pending].slice(0, 100)) {
          const e = await c.api<Timed>(`/executions/${id}`);
          if (TERMINAL.includes(e.state.current)) {
            pending.delete(id);
            ended.push(e);
          }
        }
        if (pending.size) await new Promise((r) => setTimeout(r, 200));
      }
      expect(pending.size, `${pending.size} executions never ended`).toBe(0);
      expect(ended.filter((e) => e.state.current !== "SUCCESS").map((e) => `${e.id} ${e.state.current}`)).toEqual([]);
      const most = mostAtOnce(ended);
      expect(most).toBeLessThanOrEqual(3);
      expect(most).toBe(3); // the limit is used, not only respected
      const queued = ended.filter((e) => e.state.histories.some((s) => s.state === "QUEUED")).length;
      console.log(`chaos figure ${JSON.stringify({ test: "concurrency limit 3, two schedulers", repository: repo.name, starts: ids.length, mostRunningAtOnce: most, queued, allEndedAfterMs: Date.now() - startedAt })}`);
    }, 300_000);
  });
}
