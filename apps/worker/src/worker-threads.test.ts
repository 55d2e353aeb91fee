import { describe, expect, it } from "vitest";
import { localWorkerThreads, threadConcurrency } from "./worker-threads.js";

describe("local mode's worker threads", () => {
  it("default to none on two cores or fewer, else up to two, at most worker.concurrency; worker.threads wins", () => {
    expect(localWorkerThreads({ concurrency: 8 }, 1)).toBe(0);
    expect(localWorkerThreads({ concurrency: 8 }, 2)).toBe(0);
    expect(localWorkerThreads({ concurrency: 8 }, 3)).toBe(1);
    expect(localWorkerThreads({ concurrency: 8 }, 16)).toBe(2);
    expect(localWorkerThreads({ concurrency: 1 }, 16)).toBe(1);
    expect(localWorkerThreads({ concurrency: 8, threads: 0 }, 8)).toBe(0);
    expect(localWorkerThreads({ concurrency: 8, threads: 5 }, 2)).toBe(5);
  });

  it("share worker.concurrency out, the remainder to the first threads", () => {
    expect([0, 1, 2].map((i) => threadConcurrency(8, 3, i))).toEqual([3, 3, 2]);
    expect([0, 1].map((i) => threadConcurrency(4, 2, i))).toEqual([2, 2]);
    expect(threadConcurrency(8, 1, 0)).toBe(8);
  });
});
