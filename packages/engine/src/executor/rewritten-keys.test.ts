import { configSchema } from "@ferry/core";
import type { Storage } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { composeStorageParts, composeWorker } from "../composition.js";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import type { Worker } from "../worker/worker.js";

/*
 * Documents are cached by URI in every process (JsonStore): a document the executor writes again
 * for the same record — an Approval's outputs (its url, then `due`, then the decision), a Pause's
 * onResume, a Subflow's outputs at its child's end, an execution's outputs after a restart — goes
 * under a key of its own each time. Under one key, a worker that read the first version answered
 * it for ever: an onApprove task read no decision. The worker here has a store of its own, as a
 * worker process of distributed mode has (found by a read-only review, 2026-12-06).
 */
let h: EngineHarness;
let worker: Worker;
beforeAll(async () => {
  h = await createEngineHarness();
  await h.worker.stop();
  // the same bytes, another process's cache
  const own = Object.create(h.storage) as Storage;
  const parts = composeStorageParts({ storage: own }, async () => h.repository);
  worker = composeWorker({ config: configSchema.parse({}), backends: { storage: own, queue: h.queue, secrets: undefined as never }, registry: h.registry, storage: parts, encryption: undefined });
  await worker.start();
});
afterAll(async () => {
  await worker.stop();
  await h.close();
});

describe("a document written again for one record", () => {
  it("an Approval's decision reaches a worker that read its outputs while it waited", async () => {
    const flow = await h.deploy(`
id: approve
namespace: test.rewritten
tasks:
  - id: approval
    type: core.Approval
    onWait:
      - { id: waiting, type: core.Return, format: "auto={{ outputs.approval.auto }}" }
    onApprove:
      - { id: decided, type: core.Return, format: "decision={{ outputs.approval.decision ?? 'MISSING' }}" }
`);
    const execution = await h.executions.create({ flow, inputs: {} });
    await h.waitFor(execution.id, (e) => e.state.current === "PAUSED");
    const paused = await h.result(execution.id);
    expect(await paused.outputs("waiting")).toEqual({ value: "auto=false" });
    await h.executor.handle({ type: "review", executionId: execution.id, taskRunId: paused.runs("approval")[0].id, decision: "APPROVED" } as never);
    await h.waitFor(execution.id, (e) => ["SUCCESS", "FAILED", "WARNING"].includes(e.state.current));
    const done = await h.result(execution.id);
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(await done.outputs("decided")).toEqual({ value: "decision=APPROVED" });
  });
});
