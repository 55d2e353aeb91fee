import { describe, expect, it } from "vitest";
import { checkTemplate, renderString } from "./render.js";

// Kestra's calendar functions (DayOfWeekFunction … IsDateBetweenFunction), read from their source
const r = (t: string) => renderString(t, { variables: {} });

describe("calendar functions", () => {
  it("name the day, month and hour of a date as written, with no move to UTC", async () => {
    expect(await r("{{ dayOfWeek('2025-01-06') }}|{{ dayOfWeek('2025-01-06T00:30:00+02:00') }}|{{ dayOfMonth('2024-02-29') }}|{{ monthOfYear('2025-12-01T10:00:00Z') }}")).toBe("MONDAY|MONDAY|29|12");
    expect(await r("{{ hourOfDay('2025-01-06T14:30:00+02:00') }}|{{ hourOfDay('2025-01-06T14:30:00') }}|{{ hourOfDay(date='2025-01-06T23:59:59Z') }}")).toBe("14|14|23");
  });
  it("tell weekends, the Nth weekday of a month and the last working day", async () => {
    expect(await r("{{ isWeekend('2025-01-04') }}|{{ isWeekend('2025-01-06') }}")).toBe("true|false");
    // January 2025: Mondays 6, 13, 20, 27; Friday 31 is the last working day
    expect(await r("{{ isDayWeekInMonth('2025-01-06', 'MONDAY', 'FIRST') }}|{{ isDayWeekInMonth('2025-01-13', 'monday', 'second') }}|{{ isDayWeekInMonth('2025-01-27', 'MONDAY', 'LAST') }}|{{ isDayWeekInMonth('2025-01-20', 'MONDAY', 'FOURTH') }}")).toBe(
      "true|true|true|false",
    );
    expect(await r("{{ isLastWorkingDay('2025-01-31') }}|{{ isLastWorkingDay('2025-05-30') }}|{{ isLastWorkingDay('2025-05-31') }}|{{ isLastWorkingDay('2025-05-31', 'SATURDAY,SUNDAY') }}")).toBe(
      "true|true|false|true",
    );
  });
  it("compare dates as instants; isDateBetween is strict and needs offsets", async () => {
    expect(await r("{{ isDateAfter('2025-01-02', '2025-01-01T23:00:00Z') }}|{{ isDateBefore('2025-01-01T10:00:00+02:00', '2025-01-01T09:00:00Z') }}")).toBe("true|true");
    expect(await r("{{ isDateBetween('2026-03-01T00:00:00Z', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}|{{ isDateBetween('2026-06-30T23:59:59Z', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}")).toBe("true|false");
    await expect(r("{{ isDateBetween('2026-03-01', '2025-12-31T23:59:59Z', '2026-06-30T23:59:59Z') }}")).rejects.toThrow(/isDateBetween\(\)' function could not parse 'date'/);
  });
  it("refuse a missing or unreadable date and a bad weekday, position or working day, naming it", async () => {
    await expect(r("{{ dayOfWeek(null) }}")).rejects.toThrow(/The 'dayOfWeek\(\)' function expects a 'date' argument/);
    await expect(r("{{ dayOfWeek('2025-02-30') }}")).rejects.toThrow(/could not parse 'date'/);
    await expect(r("{{ dayOfWeek('2025-01-06T10:00:00') }}")).rejects.toThrow(/could not parse 'date'/);
    await expect(r("{{ hourOfDay('2025-01-06') }}")).rejects.toThrow(/could not parse 'date'/);
    await expect(r("{{ isDayWeekInMonth('2025-01-06', 'MON', 'FIRST') }}")).rejects.toThrow(/invalid 'dayOfWeek' value: 'MON'/);
    await expect(r("{{ isDayWeekInMonth('2025-01-06', 'MONDAY', 'FIFTH') }}")).rejects.toThrow(/invalid 'position' value: 'FIFTH'/);
    await expect(r("{{ isLastWorkingDay('2025-01-31', 'FUNDAY') }}")).rejects.toThrow(/invalid 'workingDays' value: 'FUNDAY'/);
  });
  it("isPublicHoliday, as IsPublicHolidayFunctionTest asserts it (date-holidays' calendars for Jollyday's)", async () => {
    expect(() => checkTemplate("{{ isPublicHoliday('2025-12-25', 'FR') }}")).not.toThrow();
    expect(await r("{{ isPublicHoliday('2024-12-25', 'FR') }}")).toBe("true"); // publicHolidayReturnsTrue
    expect(await r("{{ isPublicHoliday('2024-03-12', 'FR') }}")).toBe("false"); // nonHolidayReturnsFalse
    expect(await r("{{ isPublicHoliday('2024-11-11', 'FR', 'IDF') }}")).toBe("true"); // publicHolidayWithSubDivision
    expect(await r("{{ isPublicHoliday('2024-12-25T10:00:00Z', 'FR') }}")).toBe("true"); // datetimeStringIsAccepted
    expect(await r("{{ isPublicHoliday('2024-11-11', 'FR', '') }}")).toBe("true"); // blankSubDivisionFallsBackToCountry
    await expect(r("{{ isPublicHoliday() }}")).rejects.toThrow("The 'isPublicHoliday()' function expects a 'date' argument."); // missingDateThrows
    await expect(r("{{ isPublicHoliday('2024-12-25') }}")).rejects.toThrow("The 'isPublicHoliday()' function expects a 'countryCode' argument."); // missingCountryCodeThrows
    await expect(r("{{ isPublicHoliday('not-a-date', 'FR') }}")).rejects.toThrow("could not parse 'date'"); // invalidDateFormatThrows
    await expect(r("{{ isPublicHoliday('2024-12-25', 'XX') }}")).rejects.toThrow("unknown country 'XX'"); // invalidCountryCodeThrows
    // a subdivision date-holidays knows: Alsace-Moselle's Good Friday
    expect(await r("{{ isPublicHoliday('2024-03-29', 'FR', '67') }}|{{ isPublicHoliday('2024-03-29', 'FR') }}")).toBe("true|false");
    // an ISO 3166-2 code, as the dates page writes it: Bavaria's Epiphany, not a federal holiday
    expect(await r("{{ isPublicHoliday('2024-01-06', 'DE', 'DE-BY') }}|{{ isPublicHoliday('2024-01-06', 'DE', 'by') }}|{{ isPublicHoliday('2024-01-06', 'DE') }}")).toBe("true|true|false");
  });
});
