import { PurgedError } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";
import { JsonStore } from "./json-store.js";
import { Purger } from "./purger.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("Purger", () => {
  it("a storage-only purge makes this process's cached documents of the execution answer 'purged' too (principle 2)", async () => {
    const flow = await h.deploy("id: cached\nnamespace: test.purge\ntasks:\n  - { id: out, type: core.OutputValues, values: { v: kept } }\n");
    const created = await h.executions.create({ flow, inputs: {} });
    await h.waitFor(created.id, (e) => e.state.current === "SUCCESS");
    const { execution, taskRuns } = (await h.repository.getExecution(created.id))!;
    const uri = taskRuns.find((r) => r.taskId === "out")!.outputsUri!;
    // read once: the document sits in the store's cache
    expect(await h.store.read(uri)).toEqual({ values: { v: "kept" } });
    const counts = await new Purger(async () => h.repository, h.storage, undefined, h.store).executionsById([execution], { executions: false, logs: false, metrics: false, storage: true });
    expect(counts.storagesCount).toBeGreaterThan(0);
    await expect(h.store.read(uri)).rejects.toBeInstanceOf(PurgedError);
  });

  // another replica, scheduler or worker holds its own cache of the same storage: a storage-only purge made elsewhere
  // left it answering the purged outputs (the DELETE route on one server replica, a worker's PurgeExecutions)
  it("a storage purge made by another process's Purger empties this one's cache too (its broadcast)", async () => {
    const flow = await h.deploy("id: cached-elsewhere\nnamespace: test.purge\ntasks:\n  - { id: out, type: core.OutputValues, values: { v: kept } }\n");
    const created = await h.executions.create({ flow, inputs: {} });
    await h.waitFor(created.id, (e) => e.state.current === "SUCCESS");
    const { execution, taskRuns } = (await h.repository.getExecution(created.id))!;
    const uri = taskRuns.find((r) => r.taskId === "out")!.outputsUri!;
    const here = new JsonStore(h.storage);
    const listening = await new Purger(async () => h.repository, h.storage, undefined, here, h.queue).listen();
    const elsewhere = new Purger(async () => h.repository, h.storage, undefined, new JsonStore(h.storage), h.queue);
    try {
      expect(await here.read(uri)).toEqual({ values: { v: "kept" } });
      await elsewhere.executionsById([execution], { executions: false, logs: false, metrics: false, storage: true });
      await expect.poll(() => here.read(uri).then(() => "read", (e) => (e instanceof PurgedError ? "purged" : String(e)))).toBe("purged");
    } finally {
      await listening.close();
    }
  });

  it("forgets a batch's folders in one pass, and only theirs", () => {
    const store = new JsonStore(h.storage);
    const remember = (uri: string) => (store as unknown as { remember(u: string, v: unknown, s: number): void }).remember(uri, { uri }, 10);
    for (const id of ["a", "b", "ab", "c"]) remember(`kestra:///ns/f/executions/${id}/out.json`);
    store.forget(["kestra:///ns/f/executions/a/", "kestra:///ns/f/executions/c/"]);
    const cached = (id: string) => (store as unknown as { cache: Map<string, unknown> }).cache.has(`kestra:///ns/f/executions/${id}/out.json`);
    expect(["a", "b", "ab", "c"].map(cached)).toEqual([false, true, true, false]);
    store.forget("kestra:///ns/f/executions/b/out.json");
    expect(cached("b")).toBe(false);
  });

  it("yields to the hot path: after a batch during which a hot write was slow, the next batch is halved and comes after a pause; batches grow back once writes are fast", async () => {
    const at = "2020-01-01T00:00:00.000Z";
    for (let i = 0; i < 450; i++) {
      const id = `paced-${String(i).padStart(4, "0")}`;
      await h.repository.saveExecution({ id, namespace: "test.paced", flowId: "f", flowRevision: 1, state: { current: "SUCCESS", histories: [{ state: "SUCCESS", date: at }], startDate: at }, labels: {}, created: at, updated: at, version: 1 });
    }
    const limits: number[] = [];
    const calls: number[] = [];
    const real = h.repository;
    // the repository's own hot-write timing, but for one slow write reported during the first batch
    const paced = Object.assign(Object.create(real) as typeof real, {
      findEndedExecutions: (query: Parameters<typeof real.findEndedExecutions>[0], limit: number) => (limits.push(limit), real.findEndedExecutions(query, limit)),
      hotWriteLatency: (since: number) => {
        calls.push(performance.now());
        const seen = real.hotWriteLatency(since);
        // the baseline (the first call) and the first batch's check: the latter sees a write of 400 ms
        return calls.length === 2 ? { ...seen, ended: [...seen.ended, 400] } : seen;
      },
    });
    const counts = await new Purger(async () => paced, h.storage).executions({ namespace: "test.paced", endedBefore: "2021-01-01T00:00:00.000Z", storage: false });
    expect(counts.executionsCount).toBe(450);
    expect(limits).toEqual([200, 100, 200]);
    // the pause between the first and the second batch: the check after it is a call of its own, after a sleep
    expect(calls).toHaveLength(4);
    expect((await real.searchExecutions({ namespace: "test.paced", page: 1, size: 1 })).total).toBe(0);
  });
});
