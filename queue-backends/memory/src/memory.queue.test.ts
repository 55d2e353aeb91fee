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
