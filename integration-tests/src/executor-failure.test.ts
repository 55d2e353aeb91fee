import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "./support/cluster.js";
import { SHARED_DATABASES } from "./support/databases.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
const POSTGRES = SHARED_DATABASES.find((d) => d.type === "postgres")!;

const FLOW = `id: held
namespace: it.executor-failure
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - { id: a, type: script.Shell, commands: ["sleep 60"] }
      - { id: b, type: script.Shell, commands: ["sleep 60"] }
`;

/**
 * The send-once hole (BENCHMARKS.md, Distributed → Round 4; RELIABILITY.md, "When the executor
 * fails an event"): an executor event whose handling throws used to be acknowledged and dropped,
 * its execution RUNNING for good and its job's send-once mark blocking every re-send. A result
 * no worker sends (an attempt does not end RUNNING), written to the executor's stream as a
 * buggy worker would, is rejected by the executor: the execution must end FAILED, its workers'
 * attempts stopped, nothing left on the jobs stream.
 */
describe.skipIf(!REDIS_URL || !POSTGRES.enabled)("an executor event that throws fails its execution on PostgreSQL + Redis", () => {
  let c: Cluster;
  let db: { url: string; drop(): Promise<void> };
  let redis: Redis;
  beforeAll(async () => {
    db = await POSTGRES.create();
    c = await startCluster({ repository: { type: "postgres", url: db.url }, redisUrl: REDIS_URL!, workers: 1 });
    redis = new Redis(REDIS_URL!);
    expect((await c.deploy(FLOW)).status).toBe(200);
  }, 120_000);
  afterAll(async () => {
    redis?.disconnect();
    await c?.stop();
    await db?.drop();
  });

  it("ends the execution FAILED with the error logged, its attempts stopped, nothing left in the jobs stream", async () => {
    const { id } = await c.api<{ id: string }>("/executions/it.executor-failure/held", { method: "POST" });
    type Run = { id: string; taskId: string; state: { current: string }; attempts: Array<{ state: { current: string } }> };
    const runs = async () => (await c.api<{ taskRunList: Run[] }>(`/executions/${id}`)).taskRunList ?? [];
    const end = Date.now() + 60_000;
    while ((await runs()).filter((r) => r.taskId !== "both" && r.state.current === "RUNNING").length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    const a = (await runs()).find((r) => r.taskId === "a")!;
    expect(a.state.current).toBe("RUNNING");
    const date = new Date().toISOString();
    const bad = { type: "result", executionId: id, taskRunId: a.id, attempt: 0, state: "RUNNING", startDate: date, workerId: "it", date };
    // as the queue writes a keyed message (redis.queue.ts: fields m and k)
    await redis.xadd(`${c.prefix}:s:executor`, "*", "m", JSON.stringify(bad), "k", id);
    const ended = await c.waitEnd(id, 30_000);
    expect(ended.state.current).toBe("FAILED");
    const after = await runs();
    expect(after.map((r) => r.state.current).sort()).toEqual(["FAILED", "KILLED", "KILLED"]);
    // the Shells' attempts (the Parallel's own flowable attempt ends KILLED with it)
    expect(after.filter((r) => r.taskId !== "both").flatMap((r) => r.attempts.map((at) => at.state.current)).sort()).toEqual(["FAILED", "KILLED"]);
    const logs = await c.api<Array<{ level: string; message: string }>>(`/logs/${id}`);
    expect(logs.filter((l) => l.level === "ERROR").map((l) => l.message)).toEqual([expect.stringMatching(/handling its result event threw: the result of attempt 1 of task run .+ \(a\) carries state RUNNING/)]);
    // the worker stopped both shells (no 60 s wait), acknowledged their jobs; the attempts' send-once marks were settled
    const quiet = Date.now() + 15_000;
    while ((await redis.xlen(`${c.prefix}:s:jobs.default`)) > 0 && Date.now() < quiet) await new Promise((r) => setTimeout(r, 100));
    expect(await redis.xlen(`${c.prefix}:s:jobs.default`)).toBe(0);
    expect(await redis.keys(`${c.prefix}:id:jobs.default:*`)).toEqual([]);
    const running = async () => (await c.api<Array<{ running: unknown[] }>>("/workers")).flatMap((w) => w.running);
    while ((await running()).length && Date.now() < quiet) await new Promise((r) => setTimeout(r, 200));
    expect(await running()).toEqual([]);
  }, 120_000);
});
