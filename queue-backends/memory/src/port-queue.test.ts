import { MessageChannel } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { queueContract } from "@ferry/testkit";
import { createMemoryQueue } from "./memory.queue.js";
import { PortQueue, servePortQueue } from "./port-queue.js";

/** a memory queue served over a real message channel, used from its other port (what a worker thread holds) */
function bridged() {
  const served = createMemoryQueue();
  const { port1, port2 } = new MessageChannel();
  const serving = servePortQueue(served, port1);
  const queue = new PortQueue(port2);
  const close = queue.close.bind(queue);
  queue.close = async () => {
    await close();
    await serving.close();
    await served.close();
    port1.close();
  };
  return { queue, served };
}

queueContract("memory, across a message port", async () => bridged().queue);

describe("the queue across a message port", () => {
  it("keeps a sender's order across the port: log lines sent before a result are in the log consumer's hands before the result's", async () => {
    const { queue, served } = bridged();
    const seen: string[] = [];
    await served.consume<string>("logs", async (line) => void seen.push(`log ${line}`));
    await served.consume<string>("results", async (result) => void seen.push(`result ${result}`));
    for (let i = 0; i < 200; i++) {
      await queue.send("logs", String(i));
      await queue.send("results", String(i));
    }
    await expect.poll(() => seen.length).toBe(400);
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => [`log ${i}`, `result ${i}`]).flat());
    await queue.close();
  });

  it("the served queue holds a consumer to its concurrency: a thread's deliveries end when its handler does", async () => {
    const { queue, served } = bridged();
    let running = 0;
    let most = 0;
    let handled = 0;
    await queue.consume<number>("jobs", async () => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      handled++;
    }, { concurrency: 3 });
    // all queued at once: the served consumer has more than three to hand out from the start
    await Promise.all(Array.from({ length: 30 }, (_, i) => served.send("jobs", i)));
    await expect.poll(() => handled, { timeout: 10_000 }).toBe(30);
    // never more than three at once; more than one (not run one by one) however loaded the box
    expect(most).toBeLessThanOrEqual(3);
    expect(most).toBeGreaterThan(1);
    // the last handler's acknowledgement crosses the port after `handled` counts it: the depth reaches 0 once it lands
    await expect.poll(() => queue.depth("jobs")).toBe(0);
    await queue.close();
  });
});
