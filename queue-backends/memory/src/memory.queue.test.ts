import { describe, expect, it } from "vitest";
import { queueContract } from "@ferry/testkit";
import { createMemoryQueue } from "./memory.queue.js";

queueContract("memory", async () => createMemoryQueue());

describe("memory queue delivery", () => {
  it("hands messages over on a later turn, so a chain of sends from handlers leaves timers and I/O their turn", async () => {
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
});
