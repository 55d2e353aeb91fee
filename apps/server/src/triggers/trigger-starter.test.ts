import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";
import { onceKey } from "./trigger-starter.js";

/*
 * A once-only start is a claim, then a create. A holder killed between the two (kill -9 of the
 * server, a lost process) left the key claimed for an execution that never existed: every retry
 * of the start (the fire evaluated again after the restart, the upstream end delivered again, the
 * webhook said again with its idempotency key) lost the claim and started nothing, for the claim's
 * seven days.
 */
let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry();
  await t.ferry.deps.triggers.scheduler.stop();
});
afterAll(async () => t?.close());

const flow = `id: once
namespace: starter.test
tasks:
  - { id: log, type: core.Log, message: "fired at {{ trigger.date }}" }
triggers:
  - id: yearly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 0 1 1 *"
`;

describe("TriggerStarter: a once-only start", () => {
  it("whose key a dead holder claimed is created under the holder's id, once, however often it is asked", async () => {
    await t.deploy(flow);
    const { starter, index } = t.ferry.deps.triggers;
    const [trigger] = await index.of("starter.test", "once");
    const key = "schedule:starter.test/once/yearly@2027-01-01T00:00:00.000Z";
    // the holder: claimed, then killed before its create
    expect(await t.ferry.deps.repository.claim(onceKey(key), "deadholder0000000001", new Date(Date.now() + 60_000).toISOString())).toEqual({ won: true, executionId: "deadholder0000000001" });

    const request = { variables: { date: "2027-01-01T00:00:00.000Z" }, once: { key, ttlMs: 60_000 } };
    const [first, second] = await Promise.all([starter.start(trigger, request), starter.start(trigger, request)]);
    const third = await starter.start(trigger, request);
    for (const result of [first, second]) expect(result.started ? result.execution.id : result.executionId).toBe("deadholder0000000001");
    expect(third).toEqual({ started: false, executionId: "deadholder0000000001" });
    const ended = await t.waitForEnd("deadholder0000000001");
    expect(ended.state.current).toBe("SUCCESS");
    const page = (await (await t.api("/executions/search?namespace=starter.test&flowId=once")).json()) as { total: number };
    expect(page.total).toBe(1);
  });
});
