import type { HotWriteLatency } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { PurgePace, SLOW_FLOOR_MS } from "./purge-pace.js";

/**
 * A clock and a hot path scripted by the test: writes are recorded at clock times, sleeping
 * moves the clock (and runs what the test scheduled meanwhile), so the pace's decisions are
 * checked exactly.
 */
function scripted() {
  let clock = 100_000;
  const writes: Array<{ end: number; ms: number }> = [];
  let waitingSince: number | undefined;
  const sleeps: number[] = [];
  let duringSleep: (() => void) | undefined;
  return {
    latency: (since: number): HotWriteLatency => ({ ended: writes.filter((w) => w.end > since).map((w) => w.ms), waitingMs: waitingSince === undefined ? 0 : clock - waitingSince }),
    write: (ms: number) => writes.push({ end: clock, ms }),
    waiting: (since: number | undefined) => void (waitingSince = since),
    advance: (ms: number) => void (clock += ms),
    onSleep: (fn: (() => void) | undefined) => void (duringSleep = fn),
    sleeps,
    options: {
      batch: 200,
      now: () => clock,
      sleep: async (ms: number) => {
        sleeps.push(ms);
        clock += ms;
        duringSleep?.();
      },
    },
  };
}

describe("PurgePace", () => {
  it("while the hot path's writes are fast: full batches, no pause", async () => {
    const s = scripted();
    const pace = new PurgePace(s.latency, s.options);
    for (let i = 0; i < 5; i++) {
      const started = pace.begin();
      s.advance(300);
      s.write(4);
      await pace.after(started);
    }
    expect([pace.batch, s.sleeps]).toEqual([200, []]);
  });

  it("a batch that took long (a cold buffer pool) pauses at most 1 s each time: a server's stop waits for the purge", async () => {
    const s = scripted();
    const pace = new PurgePace(s.latency, s.options);
    const started = pace.begin();
    s.advance(30_000);
    s.write(SLOW_FLOOR_MS + 30);
    s.onSleep(() => s.write(SLOW_FLOOR_MS + 10));
    await pace.after(started);
    // before: four pauses of 30 s each after this one batch
    expect([pace.batch, s.sleeps]).toEqual([100, [1000, 1000, 1000, 1000]]);
  });

  it("a write slower than the mark during a batch: the next batch halved and a pause as long as the batch, repeated while writes stay slow (at most 4), then grown back", async () => {
    const s = scripted();
    const pace = new PurgePace(s.latency, s.options);
    let started = pace.begin();
    s.advance(300);
    s.write(SLOW_FLOOR_MS + 30);
    // the first pause sees another slow write, the second a fast one: two pauses
    let pauses = 0;
    s.onSleep(() => s.write(++pauses === 1 ? SLOW_FLOOR_MS + 10 : 3));
    await pace.after(started);
    expect([pace.batch, s.sleeps]).toEqual([100, [300, 300]]);
    // every pause slow: four, no more (the purge moves on)
    s.sleeps.length = 0;
    s.onSleep(() => s.write(SLOW_FLOOR_MS + 10));
    started = pace.begin();
    s.advance(100);
    s.write(SLOW_FLOOR_MS + 10);
    await pace.after(started);
    expect([pace.batch, s.sleeps]).toEqual([50, [100, 100, 100, 100]]);
    // fast again: doubled back to 200, no pause
    s.onSleep(undefined);
    s.sleeps.length = 0;
    for (let i = 0; i < 3; i++) {
      started = pace.begin();
      s.advance(50);
      s.write(2);
      await pace.after(started);
    }
    expect([pace.batch, s.sleeps]).toEqual([200, []]);
  });

  it("a write still waiting past the mark counts as slow, before it ends", async () => {
    const s = scripted();
    const pace = new PurgePace(s.latency, s.options);
    const started = pace.begin();
    s.waiting(pace.begin());
    s.advance(SLOW_FLOOR_MS + 1);
    s.onSleep(() => s.waiting(undefined));
    await pace.after(started);
    expect([pace.batch, s.sleeps]).toEqual([100, [SLOW_FLOOR_MS + 1]]);
  });

  it("the mark is three times the hot path's median before the purge when that is above the floor (a server slower anyway), and never below the least batch", async () => {
    const s = scripted();
    for (let i = 0; i < 9; i++) s.write(40);
    s.advance(1_000);
    const pace = new PurgePace(s.latency, { ...s.options, minBatch: 150 });
    let started = pace.begin();
    s.advance(200);
    s.write(110);
    await pace.after(started);
    expect([pace.batch, s.sleeps]).toEqual([200, []]);
    started = pace.begin();
    s.advance(200);
    s.write(130);
    await pace.after(started);
    expect([pace.batch, s.sleeps]).toEqual([150, [200]]);
  });

  it("a repository that does not time its writes: batches as asked, never a pause", async () => {
    const s = scripted();
    const pace = new PurgePace(undefined, s.options);
    const started = pace.begin();
    s.advance(5_000);
    await pace.after(started);
    expect([pace.batch, s.sleeps]).toEqual([200, []]);
  });
});
