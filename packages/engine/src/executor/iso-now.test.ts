import { afterEach, describe, expect, it, vi } from "vitest";
import { isoNow, newState, transition } from "./execution-state.js";

describe("isoNow: now as toISOString writes it, made once per millisecond", () => {
  afterEach(() => void vi.useRealTimers());

  it("answers the current millisecond's date, and the next one's once the clock moves", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.UTC(2026, 11, 5, 9, 30, 0, 123));
    expect(isoNow()).toBe("2026-12-05T09:30:00.123Z");
    const state = newState("CREATED");
    transition(state, "QUEUED");
    expect(state).toEqual({ current: "QUEUED", histories: [{ state: "CREATED", date: "2026-12-05T09:30:00.123Z" }, { state: "QUEUED", date: "2026-12-05T09:30:00.123Z" }], startDate: "2026-12-05T09:30:00.123Z" });
    vi.setSystemTime(Date.UTC(2026, 11, 5, 9, 30, 0, 124));
    transition(state, "SUCCESS");
    expect(state.endDate).toBe("2026-12-05T09:30:00.124Z");
    expect(state.duration).toBe("PT0.001S");
  });
});
