import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SameDelayTimers } from "./same-delay-timers.js";

describe("SameDelayTimers", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("runs each callback once, no earlier than its delay, in the order added", () => {
    const timers = new SameDelayTimers(100);
    const ran: string[] = [];
    const a = {}, b = {};
    timers.add(a, () => ran.push("a"));
    vi.advanceTimersByTime(40);
    timers.add(b, () => ran.push("b"));
    vi.advanceTimersByTime(59);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(["a"]);
    vi.advanceTimersByTime(39);
    expect(ran).toEqual(["a"]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(["a", "b"]);
    vi.advanceTimersByTime(1000);
    expect(ran).toEqual(["a", "b"]);
    expect(timers.size).toBe(0);
  });

  it("a cleared callback never runs; one added after the queue emptied waits its full delay", () => {
    const timers = new SameDelayTimers(50);
    const ran: string[] = [];
    const a = {}, b = {};
    timers.add(a, () => ran.push("a"));
    timers.clear(a);
    vi.advanceTimersByTime(30);
    // the timer armed for `a` fires at 50 and finds `b` not yet due: it waits until 80
    timers.add(b, () => ran.push("b"));
    vi.advanceTimersByTime(49);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual(["b"]);
  });

  it("a key added again waits anew, and runs once", () => {
    const timers = new SameDelayTimers(50);
    const ran: number[] = [];
    const a = {};
    timers.add(a, () => ran.push(1));
    vi.advanceTimersByTime(30);
    timers.add(a, () => ran.push(2));
    vi.advanceTimersByTime(49);
    expect(ran).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ran).toEqual([2]);
  });

  it("a wall clock stepped back does not hold a callback past its delay", () => {
    let now = 1_000_000;
    const timers = new SameDelayTimers(100, () => now);
    const ran: string[] = [];
    timers.add({}, () => ran.push("a"));
    now -= 3_600_000;
    vi.advanceTimersByTime(100);
    expect(ran).toEqual(["a"]);
  });

  it("holds the process open only while a callback waits", () => {
    const timers = new SameDelayTimers(100);
    const a = {};
    timers.add(a, () => undefined);
    const handle = vi.getTimerCount();
    expect(handle).toBe(1);
    timers.clear(a);
    // the timer is left to fire, unreferenced: no new timer per add
    timers.add({}, () => undefined);
    expect(vi.getTimerCount()).toBe(1);
  });
});
