import { definePlugin, defineTask, z, type QueueMessageOptions } from "@ferry/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { EXECUTOR_CHANNEL, type ExecutorEvent } from "../messages.js";

// counts its runs; holds them while `hold` is set
const runs = new Map<string, number>();
let hold: Promise<void> | undefined;
const counted = defineTask({
  kind: "runnable",
  type: "test.Counted",
  title: "counts its runs",
  properties: z.object({}),
  async run(ctx) {
    runs.set(ctx.taskRun.id, (runs.get(ctx.taskRun.id) ?? 0) + 1);
    await hold;
    return { runs: runs.get(ctx.taskRun.id) };
  },
});
const plugin = definePlugin({ name: "test", version: "1", tasks: [counted] });
const FLOW = "id: stale\nnamespace: test.stale\ntasks:\n  - { id: t, type: test.Counted }\n";

/**
 * The reconciler's ask for an attempt it finds stale (no live worker holds it) re-sends its job
 * as a `resend`: dropped while the first send waits or runs (never two runs at once), sent when
 * the first was acknowledged without its outcome reaching the executor, which the attempt's
 * send-once mark, held until the attempt ends, used to block for good (BENCHMARKS.md,
 * Distributed → Round 4).
 */
describe("a stale attempt's job is sent again once its first send was acknowledged", () => {
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  /** drops the executor events `drop` picks, as a lost event would be */
  function dropping(harness: EngineHarness, drop: (event: ExecutorEvent) => boolean): void {
    const send = harness.queue.send.bind(harness.queue);
    harness.queue.send = async <T>(channel: string, message: T, options?: QueueMessageOptions) => {
      if (channel === EXECUTOR_CHANNEL && drop(message as ExecutorEvent)) return;
      return send(channel, message, options);
    };
  }

  it("runs the attempt again when its worker ended it and the result was lost", async () => {
    h = await createEngineHarness([plugin]);
    let dropped = 0;
    dropping(h, (e) => e.type === "result" && dropped++ === 0);
    const flow = await h.deploy(FLOW);
    const { id } = await h.executions.create({ flow, inputs: {} });
    for (let i = 0; i < 500 && !dropped; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    const run = (await h.repository.getExecution(id))!.taskRuns[0];
    expect(run.state.current).not.toBe("SUCCESS");
    await h.executor.handle({ type: "stale", executionId: id, runs: [{ taskRunId: run.id, attempt: 0 }] });
    await h.waitFor(id, (e) => e.state.current === "SUCCESS", 10_000);
    const r = await h.result(id);
    expect(r.runs("t")[0].attempts.map((a) => a.state.current)).toEqual(["SUCCESS"]);
    expect(await r.outputs("t")).toEqual({ runs: 2 });
    expect(r.messages()).toContain("attempt 1 may have been lost by the queue: sent again");
  });

  it("does not send it again while its worker still runs it", async () => {
    h = await createEngineHarness([plugin]);
    let release: () => void = () => undefined;
    hold = new Promise<void>((r) => (release = r));
    const flow = await h.deploy(FLOW);
    const { id } = await h.executions.create({ flow, inputs: {} });
    let run = (await h.waitFor(id, () => true)).taskRuns[0];
    for (let i = 0; i < 500 && !(run && runs.get(run.id)); i++) {
      await new Promise((r) => setTimeout(r, 10));
      run = (await h.repository.getExecution(id))!.taskRuns[0];
    }
    await h.executor.handle({ type: "stale", executionId: id, runs: [{ taskRunId: run.id, attempt: 0 }] });
    await new Promise((r) => setTimeout(r, 100));
    release();
    hold = undefined;
    await h.waitFor(id, (e) => e.state.current === "SUCCESS", 10_000);
    await new Promise((r) => setTimeout(r, 100));
    expect(runs.get(run.id)).toBe(1);
    expect(await (await h.result(id)).outputs("t")).toEqual({ runs: 1 });
  });
});
