import { defineTask, definePlugin, LeaseLostError, z, type Delivery, type Queue } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

/** how many times the task below was started, by execution */
const started = new Map<string, number>();
const countedTask = defineTask({
  kind: "runnable",
  type: "test.CountStarts",
  title: "Count starts",
  description: "Counts each start of its run; for the lease test.",
  properties: z.strictObject({}),
  async run(ctx) {
    const id = ctx.execution.id;
    started.set(id, (started.get(id) ?? 0) + 1);
  },
});

/**
 * The queue as a worker whose hold on its first job was lost before the job reached the task
 * (a Redis heartbeat stalled on a loaded box) sees it: that delivery's lease already aborted.
 */
function firstLeaseLost(queue: Queue): Queue {
  let first = true;
  return new Proxy(queue, {
    get(target, name, receiver) {
      if (name !== "consume") return Reflect.get(target, name, receiver);
      return (channel: string, handler: (message: unknown, delivery: Delivery) => Promise<void>, options: unknown) =>
        target.consume(channel, (message: unknown, delivery: Delivery) => {
          if (!channel.startsWith("jobs") || !first) return handler(message, delivery);
          first = false;
          const controller = new AbortController();
          controller.abort(new LeaseLostError("lost the hold on the job: heartbeats failed for 1033 ms"));
          return handler(message, { ...delivery, lease: controller.signal });
        }, options as never);
    },
  });
}

let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness([definePlugin({ name: "lease-test", version: "0", tasks: [countedTask] })], { workerQueue: firstLeaseLost });
}, 30_000);
afterAll(async () => h?.close());

describe("a worker whose lease on a job is lost before the task starts", () => {
  it("does not start the task: the attempt is handed on, and the task runs once, in the next attempt", async () => {
    const r = await h.run("id: lease\nnamespace: test.lease\ntasks:\n  - { id: counted, type: test.CountStarts }\n");
    expect(r.execution.state.current, r.messages().join("\n")).toBe("SUCCESS");
    expect(started.get(r.execution.id)).toBe(1);
    const [run] = r.runs("counted");
    expect(run.attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(r.messages().join("\n")).toMatch(/lost its lease on the task run/);
  });
});
