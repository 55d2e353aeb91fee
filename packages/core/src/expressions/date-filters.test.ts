import { describe, expect, it } from "vitest";
import { ExpressionError } from "./expression.error.js";
import { renderString } from "./render.js";

/*
 * Kestra's temporal filters and now(), with the values of
 * core/src/test/java/io/kestra/core/runners/pebble/filters/DateFilterTest.java and
 * DateAddFilterTest.java, and the docs' temporal examples (content/docs/expressions/index.md).
 */
const r = (template: string, variables: Record<string, unknown> = {}) => renderString(template, { variables });
// DateFilterTest.NOW = ZonedDateTime.parse("2013-09-08T16:19:12.123456+01")
const zoned = "2013-09-08T16:19:12.123456+01";

describe("date", () => {
  it("prints a date, an instant, a zoned and a local date-time in a time zone (DateFilterTest.dateFormat)", async () => {
    const date = new Date(1378653552 * 1000);
    expect(await r("{{ date | date(format='iso', timeZone='Europe/Paris') }}", { date })).toBe("2013-09-08T17:19:12.000000+02:00");
    expect(await r('{{ zoned | date(format="iso_sec", timeZone="Europe/Paris") }}', { zoned })).toBe("2013-09-08T17:19:12+02:00");
    expect(await r('{{ zoned | date(format="iso", timeZone="Europe/Paris") }}', { zoned })).toBe("2013-09-08T17:19:12.123456+02:00");
    const local = "2013-09-08T16:19:12.123456";
    expect(await r('{{ local | date(format="yyyy-MM-dd HH:mm:ss.SSSSSSXXX", timeZone="Europe/Paris") }}', { local })).toBe("2013-09-08 16:19:12.123456+02:00");
    expect(await r('{{ local | date(format="yyyy-MM-dd HH:mm:ss.SSSSSSXXX", timeZone="UTC") }}', { local })).toBe("2013-09-08 16:19:12.123456Z");
  });

  it("reads text by existingFormat, and as a zoned, local or plain date (DateFilterTest.dateStringFormat, dateRfc)", async () => {
    expect(await r('{{ "July 24, 2001" | date("yyyy-MM-dd", existingFormat="MMMM dd, yyyy") }}')).toBe("2001-07-24");
    expect(await r('{{ "2013-09-08T17:19:12+02:00" | date(timeZone="Europe/Paris") }}')).toBe("2013-09-08T17:19:12.000000+02:00");
    expect(await r('{{ "2013-09-08T17:19:12" | date(timeZone="Europe/Paris") }}')).toBe("2013-09-08T17:19:12.000000+02:00");
    expect(await r('{{ "2013-09-08" | date(timeZone="Europe/Paris") }}')).toBe("2013-09-08T00:00:00.000000+02:00");
    expect(await r(`{{ 'Tue, 08 Feb 2022 19:38:26 GMT' | date(existingFormat='rfc_1123_date_time', timeZone="Europe/Paris") }}`)).toBe("2022-02-08T20:38:26.000000+01:00");
    // docs: "{{ stringDate | date(existingFormat="yyyy-MMMM-d", format="yyyy/MMMM/d") }}"
    expect(await r('{{ "2024-March-5" | date(existingFormat="yyyy-MMMM-d", format="yyyy/MMMM/d") }}')).toBe("2024/March/5");
    expect(await r('{{ "15/03/2024 14:05" | date("yyyy-MM-dd\'T\'HH:mm", existingFormat="dd/MM/yyyy HH:mm", timeZone="Asia/Tokyo") }}')).toBe("2024-03-15T14:05");
    await expect(r('{{ "not a date" | date }}')).rejects.toThrow(/could not be parsed/);
    await expect(r('{{ "2024-13-01" | date }}')).rejects.toThrow(ExpressionError);
    await expect(r("{{ '2024-01-01' | date(timeZone='Mars/Olympus') }}")).rejects.toThrow(/Unknown time-zone ID: Mars\/Olympus/);
  });

  it("prints Java patterns and the named formats", async () => {
    const t = "2013-09-08T16:19:12.123456+01:00";
    expect(await r("{{ t | date('EEEE, MMMM d, yyyy h:mm a', timeZone='UTC') }}", { t })).toBe("Sunday, September 8, 2013 3:19 PM");
    expect(await r("{{ t | date('EEE MMM dd yy HH:mm:ss.SSS Z', timeZone='America/New_York') }}", { t })).toBe("Sun Sep 08 13 11:19:12.123 -0400");
    expect(await r("{{ t | date(\"yyyy-MM-dd'T'HH:mm:ss'Z'\", timeZone='UTC') }}|{{ t | date(\"D 'day' w 'week' Q\") }}", { t })).toBe("2013-09-08T15:19:12Z|251 day 36 week 3");
    expect(await r("{{ t | date('sql', timeZone='UTC') }}|{{ t | date('sql_seq', timeZone='UTC') }}", { t })).toBe("2013-09-08 15:19:12.123456|2013-09-08 15:19:12");
    expect(await r("{{ t | date('iso_date_time', timeZone='Europe/Paris') }}|{{ t | date('iso_instant') }}|{{ t | date('iso_local_date') }}", { t })).toBe(
      "2013-09-08T17:19:12.123456+02:00[Europe/Paris]|2013-09-08T15:19:12.123456Z|2013-09-08",
    );
    expect(await r("{{ t | date('rfc_1123_date_time', timeZone='Europe/Paris') }}|{{ t | date('iso_week_date', timeZone='UTC') }}", { t })).toBe("Sun, 8 Sep 2013 17:19:12 +0200|2013-W36-7Z");
    expect(await r("{{ t | date('yyyy-MM-dd HH:mm:ss z', timeZone='Europe/Paris') }}|{{ t | date('VV O', timeZone='Asia/Kolkata') }}", { t })).toBe("2013-09-08 17:19:12 CEST|Asia/Kolkata GMT+5:30");
    // a number is epoch seconds (Instant.ofEpochSecond), as Kestra reads a Long
    expect(await r("{{ 1378653552 | date('iso', timeZone='UTC') }}")).toBe("2013-09-08T15:19:12.000000Z");
    expect(await r("{{ null | date }}")).toBe("");
    await expect(r("{{ t | date('yyyy-MM-dd', locale='fr_FR') }}", { t })).rejects.toThrow(/locale 'fr_FR' is not supported by Ferry yet/);
  });
});

describe("dateAdd and the timestamps", () => {
  it("adds a unit, printing the date in iso (DateFilterTest.add, DateAddFilterTest)", async () => {
    expect(await r('{{ zoned | dateAdd(-1,"DAYS",timeZone="Europe/Paris")}}', { zoned })).toBe("2013-09-07T17:19:12.123456+02:00");
    expect(await r('{{ "2013-09-08T16:19:00+02" | dateAdd(day, "DAYS") | date("yyyy-MM-dd HH:mm:ss z", timeZone=render(timezone)) }}', { day: 1, timezone: "Australia/Perth" })).toBe(
      "2013-09-09 22:19:00 AWST",
    );
    await expect(r('{{ "2013-09-08T16:19:00+02" | dateAdd(day, "DAYS") }}', { day: "invalid" })).rejects.toThrow(ExpressionError);
    expect(await r('{{ null | dateAdd(1, "DAYS") }}')).toBe("");
    expect(await r("{{ '2024-01-31T10:00:00Z' | dateAdd(1, 'MONTHS', format='iso_local_date') }}|{{ '2024-01-01T00:00:00Z' | dateAdd(90, 'MINUTES', format='HH:mm') }}")).toBe("2024-02-29|01:30");
    // a day is a wall-clock day in the date's zone, across a change of offset
    expect(await r("{{ '2024-03-30T12:00:00+01:00[Europe/Paris]' | dateAdd(1, 'DAYS', timeZone='Europe/Paris') }}")).toBe("2024-03-31T12:00:00.000000+02:00");
    await expect(r("{{ '2024-01-01' | dateAdd(1, 'FORTNIGHTS') }}")).rejects.toThrow(/unknown unit 'FORTNIGHTS'/);
  });

  it("gives epoch seconds, milliseconds, microseconds and nanoseconds (DateFilterTest; timestampMicro as fixed by kestra-io/kestra#11546)", async () => {
    expect(await r('{{ zoned | timestamp(timeZone="Europe/Paris") }}', { zoned })).toBe("1378653552");
    expect(await r("{{ (zoned | timestamp) > (zoned | dateAdd(-1, 'DAYS') | timestamp) }}", { zoned })).toBe("true");
    expect(await r('{{ zoned | timestampMilli(timeZone="Europe/Paris") }}', { zoned })).toBe("1378653552123");
    expect(await r('{{ zoned | timestampMicro(timeZone="Europe/Paris") }}', { zoned })).toBe("1378653552123456");
    expect(await r('{{ zoned | timestampNano(timeZone="Europe/Paris") }}', { zoned })).toBe("1378653552123456000");
  });

  it("now() is the current time, formatted as date is (DateFilterTest.now, docs)", async () => {
    const today = new Date().toISOString().slice(0, 10);
    expect(await r("{{ now() }}")).toMatch(new RegExp(`^${today}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$`));
    expect(await r('{{ now(format="iso_local_date") }}')).toBe(today);
    expect(await r('{{ now(timeZone="Europe/Lisbon") }}')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|\+01:00)$/);
    expect(await r("{{ now() | dateAdd(-1, 'DAYS') | date('yyyy-MM-dd') < now(format='yyyy-MM-dd') }}")).toBe("true");
  });
});
