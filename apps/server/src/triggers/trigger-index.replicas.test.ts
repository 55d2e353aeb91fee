import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../../../repository-backends/postgres/src/test-database.test-support.js";
import { startFerry, type FerryServer } from "../ferry.js";

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const yaml = { "content-type": "application/x-yaml" };

type Execution = { id: string; state: { current: string }; trigger: { variables: { date: string } } };

/**
 * Two server replicas on one PostgreSQL database and one Redis, each with its worker (a
 * local-role server on a shared queue): what one saves, the other's trigger index shows
 * within its poll.
 */
describe.skipIf(!POSTGRES_URL || !REDIS_URL)("trigger index on two replicas of one PostgreSQL database", () => {
  let db: { url: string; drop(): Promise<void> };
  let dir: string;
  const replicas: FerryServer[] = [];
  const [a, b] = [0, 1].map((i) => ({ url: (path: string) => `${replicas[i].url}/api/v1${path}` }));
  const executionsOf = async (flowId: string) =>
    ((await (await fetch(a.url(`/executions/search?namespace=replicas.index&flowId=${flowId}&size=1000`))).json()) as { results: Execution[] }).results;
  /** polls until check holds; answers how long it took */
  async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
    const start = Date.now();
    while (!(await check())) {
      if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
      await sleep(25);
    }
    return Date.now() - start;
  }

  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    dir = await mkdtemp(join(tmpdir(), "ferry-index-replicas-"));
    const prefix = `ferry-index-replicas-${Date.now().toString(36)}`;
    for (let i = 0; i < 2; i++) {
      const config = configSchema.parse({
        server: { port: 0 }, repository: { type: "postgres", url: db.url }, queue: { type: "redis", url: REDIS_URL, prefix }, storage: { type: "local", path: join(dir, "storage") },
      });
      replicas.push(await startFerry({ config, baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) }));
    }
  }, 60_000);
  afterAll(async () => {
    for (const r of replicas) await r.close();
    await db?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a webhook flow deployed on A fires on B within a poll; its new key and its delete on A follow on B", async () => {
    const flow = (key: string) => `id: hook\nnamespace: replicas.index\ntasks:\n  - { id: ret, type: core.Return, format: "{{ trigger.body.n }}" }\ntriggers:\n  - { id: hook, type: io.kestra.plugin.core.trigger.Webhook, key: ${key} }\n`;
    const call = async (key: string) => {
      const r = await fetch(b.url(`/executions/webhook/replicas.index/hook/${key}`), { method: "POST", body: '{"n": 1}', headers: { "content-type": "application/json" } });
      return { status: r.status, body: (await r.json().catch(() => undefined)) as { id?: string } | undefined };
    };
    expect((await call("first")).status).toBe(404);
    expect((await fetch(a.url("/flows"), { method: "POST", body: flow("first"), headers: yaml })).status).toBe(200);
    expect(await within(3000, async () => (await call("first")).status === 200)).toBeLessThan(2500);
    const started = await call("first");
    await within(10_000, async () => (await (await fetch(a.url(`/executions/${started.body!.id}`))).json()).state.current === "SUCCESS");

    expect((await fetch(a.url("/flows/replicas.index/hook"), { method: "PUT", body: flow("second"), headers: yaml })).status).toBe(200);
    await within(3000, async () => (await call("second")).status === 200);
    expect((await call("first")).status).toBe(404);

    expect((await fetch(a.url("/flows/replicas.index/hook"), { method: "DELETE" })).status).toBe(204);
    await within(3000, async () => (await call("second")).status === 404);
    expect(await replicas[1].deps.triggers.index.of("replicas.index", "hook")).toEqual([]);
  }, 30_000);

  it("a schedule evaluated by both replicas fires once per second; deleted on B, it stops on both within a poll", async () => {
    const flow = `id: tick\nnamespace: replicas.index\ntasks:\n  - { id: log, type: core.Log, message: "{{ trigger.date }}" }\ntriggers:\n  - { id: every, type: io.kestra.plugin.core.trigger.Schedule, cron: "* * * * * *" }\n`;
    expect((await fetch(a.url("/flows"), { method: "POST", body: flow, headers: yaml })).status).toBe(200);
    await sleep(6000);
    expect((await fetch(b.url("/flows/replicas.index/tick"), { method: "DELETE" })).status).toBe(204);
    await sleep(2500); // A's poll sees the delete; a fire already claimed may still be saved
    const fired = await executionsOf("tick");
    const seconds = fired.map((e) => Date.parse(e.trigger.variables.date) / 1000).sort((x, y) => x - y);
    expect(new Set(seconds).size).toBe(seconds.length);
    expect(seconds[seconds.length - 1] - seconds[0] + 1).toBe(seconds.length);
    expect(seconds.length).toBeGreaterThanOrEqual(5);
    await sleep(2000);
    expect((await executionsOf("tick")).length).toBe(fired.length);
  }, 30_000);
});
