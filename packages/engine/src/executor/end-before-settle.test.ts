import { isTerminal } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import type { ExecutionChange } from "../events.js";

/*
 * An execution's last event tells its end (the `execution` event: the waiting webhook's answer, the
 * `ended` broadcast, the Flow triggers' look) once its save is committed, without waiting for the
 * queue to answer the settles of its ended attempts' send-once marks (BENCHMARKS.md "Distributed
 * mode", Round 14). The fault: the queue out of reach when it settles them (on Redis, the UNLINK of a
 * cut connection). The end is still told once, nothing runs twice, and the event, failed by the
 * settle as before, is handled again and done with.
 */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

const FLOW = `id: ends\nnamespace: test.settle\ntasks:\n  - { id: a, type: core.Return, format: "{{ execution.id }}" }\n  - { id: b, type: core.Log, message: "{{ outputs.a.value }}" }\n`;

/** the settles of the jobs channel after the first (task a's, in the middle event) held until `gate` settles */
function holdJobSettles(gate: Promise<void>) {
  const queue = h.queue as { settle(channel: string, ids: string[]): Promise<void> };
  const settle = queue.settle.bind(queue);
  const calls: string[][] = [];
  queue.settle = (channel, ids) => {
    if (!channel.startsWith("jobs")) return settle(channel, ids);
    calls.push(ids);
    return calls.length === 1 ? settle(channel, ids) : gate.then(() => settle(channel, ids));
  };
  return { calls, restore: () => void (queue.settle = settle) };
}

/** the ends told from now on, of `id()` once the execution is created */
function endsOf(id: () => string | undefined) {
  const all: ExecutionChange[] = [];
  const listener = (change: ExecutionChange) => void (isTerminal(change.state) && all.push(change));
  h.events.on("execution", listener);
  return { ends: () => all.filter((e) => e.executionId === id()), stop: () => void h.events.off("execution", listener) };
}

async function until(check: () => boolean, ms = 10_000) {
  for (const end = Date.now() + ms; !check(); ) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** the end told, the event done with (handled again after its failed settle), and a moment for a second telling that must not come */
async function toldAndDone(ends: () => ExecutionChange[]) {
  await until(() => ends().length > 0);
  await until(() => h.executor.footprint().locks === 0);
  await new Promise((r) => setTimeout(r, 200));
}

describe("an execution's end is told before the queue answers its settles", () => {
  it("the end is told while the ended attempts' settles are unanswered; the event ends once they are", async () => {
    let open!: () => void;
    const held = holdJobSettles(new Promise<void>((r) => (open = r)));
    const flow = await h.deploy(FLOW);
    let id: string | undefined;
    const { ends, stop } = endsOf(() => id);
    ({ id } = await h.executions.create({ flow, inputs: {} }));
    try {
      // task b's settle, asked for in the last event, unanswered
      await until(() => ends().length > 0);
      expect(ends().map((e) => e.state)).toEqual(["SUCCESS"]);
      expect(held.calls.length).toBe(2);
      // the last event is not done (nor acknowledged) until its settle is answered
      expect(h.executor.footprint().locks).toBe(1);
      open();
      await until(() => h.executor.footprint().locks === 0);
      expect(ends().length).toBe(1);
    } finally {
      stop();
      held.restore();
      open();
    }
  });

  it("a settle failed by the queue out of reach: the end told once, each task run once, the event handled again and done", async () => {
    // only the last event's settle fails, at once: ioredis's error for a command on a connection that
    // went away (isUnavailable: the event is tried again)
    const gate = Promise.reject(new Error("Connection is closed."));
    gate.catch(() => undefined);
    const held = holdJobSettles(gate);
    const flow = await h.deploy(FLOW);
    let id: string | undefined;
    const { ends, stop } = endsOf(() => id);
    ({ id } = await h.executions.create({ flow, inputs: {} }));
    try {
      // before: the event failed after its save, and handled again found nothing to change: never told
      await toldAndDone(ends);
      expect(ends().map((e) => e.state)).toEqual(["SUCCESS"]);
      const r = await h.result(id!);
      expect(r.execution.state.current).toBe("SUCCESS");
      for (const task of ["a", "b"]) expect(r.runs(task).map((run) => run.attempts.length)).toEqual([1]);
      // a's Return and b's Log line, once each (as in the run above)
      expect(r.messages().filter((m) => m === id)).toHaveLength(2);
    } finally {
      stop();
      held.restore();
    }
  });

  it("a wake-up's settle failed in the last event (a flow ending in a Sleep): the end told once", async () => {
    // the settle of the Sleep's wake-up was awaited before the end's sends, so its failure lost the end too
    const queue = h.queue as { settle(channel: string, ids: string[]): Promise<void> };
    const settle = queue.settle.bind(queue);
    let failed = 0;
    queue.settle = (channel, ids) => {
      if (channel !== "executor" || failed++) return settle(channel, ids);
      return Promise.reject(new Error("Connection is closed."));
    };
    const flow = await h.deploy(`id: sleeps\nnamespace: test.settle\ntasks:\n  - { id: a, type: core.Log, message: hi }\n  - { id: b, type: core.Sleep, duration: PT0.2S }\n`);
    let id: string | undefined;
    const { ends, stop } = endsOf(() => id);
    ({ id } = await h.executions.create({ flow, inputs: {} }));
    try {
      await toldAndDone(ends);
      expect(failed).toBeGreaterThan(0);
      expect(ends().map((e) => e.state)).toEqual(["SUCCESS"]);
      expect((await h.result(id!)).runs("b").map((run) => run.attempts.length)).toEqual([1]);
    } finally {
      stop();
      queue.settle = settle;
    }
  });
});
