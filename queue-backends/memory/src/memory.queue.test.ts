import { describe, expect, it } from "vitest";
import { queueContract } from "@ferry/testkit";
import { createMemoryQueue } from "./memory.queue.js";

queueContract("memory", async () => createMemoryQueue());

describe("memory queue delivery", () => {
  it("past a turn's inline budget hands messages over on a later turn, so a chain of sends from handlers leaves timers and I/O their turn", async () => {
    const queue = createMemoryQueue();
    let hops = 0;
    let timerFiredAt: number | undefined;
    const ended = new Promise<void>((resolve) => {
      void queue.consume<number>("ping", async (n) => {
        hops++;
        if (n < 2000) await queue.send("ping", n + 1, { key: "one" });
        else resolve();
      });
    });
    setTimeout(() => (timerFiredAt = hops), 0);
    await queue.send("ping", 0, { key: "one" });
    await ended;
    // with a synchronous hand-off the whole chain ran as microtasks, the timer after it
    expect(timerFiredAt).toBeLessThan(2000);
    await queue.close();
  });

  it("delivers inside send while the turn's budget lasts: log lines flushed before a result reach their consumer before the result is sent", async () => {
    const queue = createMemoryQueue();
    const seen: string[] = [];
    await queue.consume<string>("logs", async (line) => void seen.push(`log ${line}`));
    await queue.consume<string>("results", async (result) => void seen.push(`result ${result}`));
    // the subscriptions' first pumps run on the next turn
    await new Promise((resolve) => setImmediate(resolve));
    await queue.send("logs", "boom");
    // already in the log consumer's hands, before any other turn of the event loop
    expect(seen).toEqual(["log boom"]);
    await queue.send("results", "FAILED");
    expect(seen).toEqual(["log boom", "result FAILED"]);
    await queue.close();
  });
});

describe("memory queue backlog", () => {
  it("messages sent behind a thousand waiting share their equal parts while they wait, and each consumer still gets a copy of its own", async () => {
    const queue = createMemoryQueue();
    const context = { flow: { id: "f", namespace: "n" }, labels: { a: "1" }, outputs: [] as unknown[] };
    for (let i = 0; i < 1200; i++) await queue.send("jobs", { i, context });
    const seen: { i: number; context: typeof context }[] = [];
    await queue.consume<{ i: number; context: typeof context }>("jobs", async (m) => {
      // a consumer that changes what it got changes nothing another one gets
      m.context.labels.a = `seen by ${m.i}`;
      m.context.outputs.push(m.i);
      seen.push(m);
    }, { concurrency: 4 });
    for (let turn = 0; seen.length < 1200 && turn < 2000; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(seen.map((m) => m.i)).toEqual([...Array(1200).keys()]);
    for (const m of seen) expect(m.context).toStrictEqual({ flow: { id: "f", namespace: "n" }, labels: { a: `seen by ${m.i}` }, outputs: [m.i] });
    expect(new Set(seen.map((m) => m.context)).size).toBe(1200);
    expect(context).toStrictEqual({ flow: { id: "f", namespace: "n" }, labels: { a: "1" }, outputs: [] });
    await queue.close();
  });
});

describe("memory queue ids", () => {
  const DAY = 24 * 3600 * 1000;

  it("forgets an id no settle came for a week past its message's due time, so a dead sender leaks nothing; a later send with it goes out again", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const queue = createMemoryQueue({}, { now: () => now });
    const seen: string[] = [];
    await queue.consume<string>("jobs", async (m) => void seen.push(m));
    await queue.send("jobs", "first", { id: "a" });
    // a delayed one is remembered a week past when it is due, not past when it was sent
    await queue.send("jobs", "later", { id: "b", delayMs: 30 * DAY });
    await queue.send("jobs", "again", { id: "a" });
    expect(queue.footprint().outstandingIds).toBe(2);

    now += 7 * DAY + 1;
    await queue.send("other", "tick", { id: "c" });
    expect(queue.footprint().outstandingIds).toBe(2); // a forgotten, b kept, c new
    await queue.send("jobs", "again", { id: "a" });
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(["first", "again"]);

    now += 31 * DAY;
    await queue.send("other", "tick", { id: "d" });
    // b's week past its due time has passed too; a and c were sent 31 days ago
    expect(queue.footprint()).toMatchObject({ outstandingIds: 1 });
    await queue.close();
  });
});
