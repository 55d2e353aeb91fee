import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLongInterval, setLongTimeout } from "./timers.js";

const DAY = 24 * 3600 * 1000;

describe("timers of any length", () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it("a 30-day timeout fires after 30 days, not at once (setTimeout would overflow past 24.8 days)", () => {
    const fired = vi.fn();
    setLongTimeout(fired, 30 * DAY);
    vi.advanceTimersByTime(1);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(25 * DAY);
    expect(fired).not.toHaveBeenCalled();
    vi.advanceTimersByTime(5 * DAY);
    expect(fired).toHaveBeenCalledTimes(1);
  });

  it("a cancelled long timeout never fires, whichever step it was in", () => {
    const fired = vi.fn();
    const timer = setLongTimeout(fired, 60 * DAY);
    vi.advanceTimersByTime(26 * DAY); // past the first step
    timer.cancel();
    vi.advanceTimersByTime(60 * DAY);
    expect(fired).not.toHaveBeenCalled();
  });

  it("a 30-day interval fires every 30 days until cancelled", () => {
    const fired = vi.fn();
    const timer = setLongInterval(fired, 30 * DAY);
    vi.advanceTimersByTime(29 * DAY);
    expect(fired).toHaveBeenCalledTimes(0);
    vi.advanceTimersByTime(DAY);
    expect(fired).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(60 * DAY);
    expect(fired).toHaveBeenCalledTimes(3);
    timer.cancel();
    vi.advanceTimersByTime(60 * DAY);
    expect(fired).toHaveBeenCalledTimes(3);
  });
});
