import { PurgedError } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";
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
});
