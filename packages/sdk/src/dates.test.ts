import { describe, expect, it } from "vitest";
import { parseZonedDateTime } from "./dates.js";

/* Java's ISO_ZONED_DATE_TIME, as Kestra reads a Property<ZonedDateTime> and the API's scheduleDate */
describe("parseZonedDateTime", () => {
  it("reads an offset or Z, seconds and fractions optional, a [zone id] after the offset", () => {
    expect(parseZonedDateTime("2026-01-31T12:00:00Z")?.toISOString()).toBe("2026-01-31T12:00:00.000Z");
    expect(parseZonedDateTime("2026-01-31T12:00+01:00")?.toISOString()).toBe("2026-01-31T11:00:00.000Z");
    expect(parseZonedDateTime("2026-01-31T12:00:00.123456-02:30")?.toISOString()).toBe("2026-01-31T14:30:00.123Z");
    expect(parseZonedDateTime("2026-07-01T12:00:00+02:00[Europe/Paris]")?.toISOString()).toBe("2026-07-01T10:00:00.000Z");
    expect(parseZonedDateTime("2026-01-31t12:00:00z")?.toISOString()).toBe("2026-01-31T12:00:00.000Z");
  });

  it("refuses what Java refuses: no offset, no time, a day or an hour that does not exist, other text", () => {
    for (const text of ["2026-01-31T12:00:00", "2026-01-31", "2026-02-30T12:00:00Z", "2026-01-31T24:00:00Z", "2026-01-31T12:60:00Z", "2026-01-31T12:00:00+19:00", "tomorrow", "1767182400000", ""]) {
      expect(parseZonedDateTime(text), text).toBeUndefined();
    }
  });
});
