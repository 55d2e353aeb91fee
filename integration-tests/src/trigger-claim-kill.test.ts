import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type Cluster } from "./support/cluster.js";
import { SHARED_DATABASES } from "./support/databases.js";
import { startFerryProcess, type FerryProcess } from "./support/ferry-process.js";
import { FERRY, startProcess, waitForHealth } from "./support/processes.js";

/*
 * A once-only trigger start is a claim, then a create. A real `ferry server local` killed -9
 * between the two (FERRY_TEST_STALL_AFTER_CLAIM holds it there, its stderr says when) left the key
 * claimed for an execution that never existed: after the restart the same fire, or the same
 * webhook said again, started nothing for the claim's day. Now the claim is pending until its
 * execution is created, and the retry takes it over once the dead holder's lease (10 s) passed,
 * creating the execution under the holder's id: one execution, started.
 */
const api = (base: string, path: string, init?: RequestInit) => fetch(`${base}/api/v1${path}`, init);

async function deploy(base: string, source: string) {
  expect((await api(base, "/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: source })).status).toBe(200);
}

/** the holder's id, once the stalled process says it claimed a start */
async function claimed(ferry: FerryProcess): Promise<string> {
  for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const said = /ferry-test: claimed \S+ for (\S+)/.exec(ferry.output());
    if (said) return said[1];
  }
  throw new Error(`no claim said: ${ferry.output()}`);
}

async function ended(base: string, id: string): Promise<{ id: string; state: { current: string }; trigger?: { variables?: Record<string, unknown> } }> {
  for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    const response = await api(base, `/executions/${id}`);
    if (response.status === 200) {
      const execution = (await response.json()) as Awaited<ReturnType<typeof ended>>;
      if (["SUCCESS", "WARNING", "FAILED", "KILLED"].includes(execution.state.current)) return execution;
    }
  }
  throw new Error(`execution ${id} did not end`);
}

const executionsOf = async (base: string, flowId: string) =>
  ((await (await api(base, `/executions/search?namespace=it.claim&flowId=${flowId}&size=100`)).json()) as { results: Array<{ id: string; trigger?: { variables?: Record<string, unknown> } }> }).results;

describe("a once-only trigger start whose server was killed -9 between its claim and its create", () => {
  it("a webhook said again with its Idempotency-Key after the restart starts the execution, once, under the dead holder's id", async () => {
    const first = await startFerryProcess({ env: { FERRY_TEST_STALL_AFTER_CLAIM: "1" } });
    await deploy(first.url, "id: hooked\nnamespace: it.claim\ntasks:\n  - { id: log, type: core.Log, message: \"{{ trigger.body.n }}\" }\ntriggers:\n  - { id: hook, type: io.kestra.plugin.core.trigger.Webhook, key: k1, wait: true }\n");
    const call = (base: string, n: number) =>
      api(base, "/executions/webhook/it.claim/hooked/k1", { method: "POST", headers: { "content-type": "application/json", "idempotency-key": "order-1" }, body: JSON.stringify({ n }) });
    void call(first.url, 1).catch(() => undefined);
    const holder = await claimed(first);
    await first.kill9();

    const second = await startFerryProcess({ cwd: first.cwd, port: Number(new URL(first.url).port) });
    try {
      // said again: waits out the dead holder's lease, takes the start over, and waits for its end (wait: true)
      const again = await call(second.url, 2);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ id: holder, state: { current: "SUCCESS" } });
      const third = await call(second.url, 3);
      expect(third.headers.get("idempotent-replayed")).toBe("true");
      expect(((await third.json()) as { id: string }).id).toBe(holder);
      expect((await executionsOf(second.url, "hooked")).map((e) => e.id)).toEqual([holder]);
    } finally {
      await second.stop();
    }
  }, 120_000);

  it("a schedule's fire is evaluated again after the restart and starts its execution, once, under the dead holder's id", async () => {
    const first = await startFerryProcess({ env: { FERRY_TEST_STALL_AFTER_CLAIM: "1" } });
    await deploy(first.url, "id: timed\nnamespace: it.claim\ntasks:\n  - { id: log, type: core.Log, message: \"{{ trigger.date }}\" }\ntriggers:\n  - { id: every, type: io.kestra.plugin.core.trigger.Schedule, cron: \"*/5 * * * * *\", withSeconds: true }\n");
    const holder = await claimed(first);
    await first.kill9();

    const second = await startFerryProcess({ cwd: first.cwd, port: Number(new URL(first.url).port) });
    try {
      const execution = await ended(second.url, holder);
      expect(execution.state.current).toBe("SUCCESS");
      const fire = execution.trigger?.variables?.date;
      expect(fire).toBeTypeOf("string");
      // later fires start their own; this fire started one
      expect((await executionsOf(second.url, "timed")).filter((e) => e.trigger?.variables?.date === fire).map((e) => e.id)).toEqual([holder]);
    } finally {
      await second.stop();
    }
  }, 120_000);
});

const REDIS_URL = process.env.FERRY_TEST_REDIS_URL;
for (const repo of SHARED_DATABASES) {
  describe.skipIf(!REDIS_URL || !repo.enabled)(`a once-only start on ${repo.name} + Redis whose scheduler replica was killed -9 between claim and create`, () => {
    let db: { url: string; drop(): Promise<void> };
    let c: Cluster;
    beforeAll(async () => {
      db = await repo.create();
      c = await startCluster({ repository: { type: repo.type, url: db.url }, redisUrl: REDIS_URL!, schedulers: 2, workers: 1 });
    }, 120_000);
    afterAll(async () => {
      await c?.stop();
      await db?.drop();
    });

    it("the webhook said again to the other replica starts the execution, once, under the dead holder's id", async () => {
      // the first replica again, held between its claims and its creates
      const first = c.schedulers[0];
      await first.stop();
      c.schedulers[0] = startProcess(process.execPath, [FERRY, "server", "scheduler"], { cwd: first.cwd, env: { ...first.env, FERRY_TEST_STALL_AFTER_CLAIM: "1" } });
      await waitForHealth(c.urls[0]);
      // a probe that never starts anything (204) tells when the other replica's trigger index has the flow (404 before)
      expect((await c.deploy("id: hooked\nnamespace: it.claim\ntasks:\n  - { id: log, type: core.Log, message: \"{{ trigger.body.n }}\" }\ntriggers:\n  - { id: hook, type: io.kestra.plugin.core.trigger.Webhook, key: k1, wait: true }\n  - { id: probe, type: io.kestra.plugin.core.trigger.Webhook, key: probe, when: \"{{ false }}\" }\n")).status).toBe(200);
      await expect.poll(async () => (await api(c.urls[1], "/executions/webhook/it.claim/hooked/probe", { method: "POST" })).status, { timeout: 20_000, interval: 200 }).toBe(204);
      const call = (base: string, n: number) =>
        api(base, "/executions/webhook/it.claim/hooked/k1", { method: "POST", headers: { "content-type": "application/json", "idempotency-key": "order-2" }, body: JSON.stringify({ n }) });
      void call(c.urls[0], 1).catch(() => undefined);
      const [, holder] = await c.schedulers[0].waitFor(/ferry-test: claimed \S+ for (\S+)/, 30_000);
      await c.schedulers[0].stop("SIGKILL");

      const again = await call(c.urls[1], 2);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ id: holder, state: { current: "SUCCESS" } });
      const third = await call(c.urls[1], 3);
      expect(third.headers.get("idempotent-replayed")).toBe("true");
      expect((await executionsOf(c.urls[1], "hooked")).map((e) => e.id)).toEqual([holder]);
    }, 120_000);
  });
}
