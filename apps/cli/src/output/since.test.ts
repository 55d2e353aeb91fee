import { describe, expect, it } from "vitest";
import { pastDate } from "./since.js";

const NOW = Date.parse("2026-11-02T12:00:00.000Z");

describe("pastDate", () => {
  it("reads a time back from now, short or ISO-8601, or a date", () => {
    expect(pastDate("30m", "--since", NOW)).toBe("2026-11-02T11:30:00.000Z");
    expect(pastDate("2h", "--since", NOW)).toBe("2026-11-02T10:00:00.000Z");
    expect(pastDate("7d", "--since", NOW)).toBe("2026-10-26T12:00:00.000Z");
    expect(pastDate("1w", "--since", NOW)).toBe("2026-10-26T12:00:00.000Z");
    expect(pastDate("PT90M", "--since", NOW)).toBe("2026-11-02T10:30:00.000Z");
    expect(pastDate("0s", "--before", NOW)).toBe("2026-11-02T12:00:00.000Z");
    expect(pastDate("2026-11-01", "--since", NOW)).toBe("2026-11-01T00:00:00.000Z");
    expect(pastDate("2026-11-01T08:00:00+02:00", "--since", NOW)).toBe("2026-11-01T06:00:00.000Z");
  });

  it("refuses anything else, naming the option", () => {
    for (const bad of ["yesterday", "2h ago", "P", "2026-02-30", "-5m", ""]) {
      expect(() => pastDate(bad, "--before", NOW), bad).toThrow(`--before '${bad}' is not a duration`);
    }
  });
});
