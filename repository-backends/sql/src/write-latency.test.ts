import { describe, expect, it } from "vitest";
import { WriteLatency } from "./write-latency.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("WriteLatency", () => {
  it("gives the durations of the writes ended since a time, and how long the oldest still running has waited", async () => {
    const writes = new WriteLatency();
    const before = performance.now();
    await writes.time(() => sleep(30));
    const between = performance.now();
    await writes.time(async () => undefined);
    let release!: () => void;
    const held = writes.time(() => new Promise<void>((resolve) => (release = resolve)));
    await sleep(40);
    const seen = writes.since(before);
    expect(seen.ended).toHaveLength(2);
    expect(Math.max(...seen.ended)).toBeGreaterThanOrEqual(25);
    expect(seen.waitingMs).toBeGreaterThanOrEqual(35);
    expect(writes.since(between).ended).toHaveLength(1);
    release();
    await held;
    expect(writes.since(before).ended).toHaveLength(3);
    expect(writes.since(before).waitingMs).toBe(0);
  });

  it("a write that fails is timed too, and its failure passes through", async () => {
    const writes = new WriteLatency();
    const before = performance.now();
    await expect(writes.time(async () => Promise.reject(new Error("refused")))).rejects.toThrow("refused");
    expect(writes.since(before)).toMatchObject({ ended: [expect.any(Number)], waitingMs: 0 });
  });

  it("remembers the latest 512 writes", async () => {
    const writes = new WriteLatency();
    const before = performance.now();
    for (let i = 0; i < 600; i++) await writes.time(async () => undefined);
    expect(writes.since(before).ended).toHaveLength(512);
  });
});
