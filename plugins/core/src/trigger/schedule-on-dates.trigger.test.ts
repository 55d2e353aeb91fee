import { describe, expect, it } from "vitest";
import { scheduleOnDatesTrigger, zonedInstant } from "./schedule-on-dates.trigger.js";

const parse = (props: unknown) => scheduleOnDatesTrigger.properties.safeParse(props);
const messages = (props: unknown) => {
  const result = parse(props);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("core.trigger.ScheduleOnDates", () => {
  it("fires at each date once, in order whatever the list's order, to the second, and never after the last", () => {
    const props = parse({ dates: ["2030-01-02T10:00:00+01:00", "2030-01-01T08:00:00.750Z", "2030-01-03T00:00:00Z[UTC]"] });
    expect(props.success).toBe(true);
    const p = props.data!;
    const after = (iso: string) => scheduleOnDatesTrigger.nextFire!(p, new Date(iso))?.toISOString();
    expect(after("2029-12-31T00:00:00Z")).toBe("2030-01-01T08:00:00.000Z");
    expect(after("2030-01-01T08:00:00Z")).toBe("2030-01-02T09:00:00.000Z");
    expect(after("2030-01-02T09:00:00Z")).toBe("2030-01-03T00:00:00.000Z");
    expect(after("2030-01-03T00:00:00Z")).toBeUndefined();
  });

  it("reads Java's zoned date-times: an offset or Z, an optional [zone] suffix; nothing without an offset", () => {
    expect(zonedInstant("2025-12-25T09:00:00+0100")?.toISOString()).toBe("2025-12-25T08:00:00.000Z");
    expect(zonedInstant("2025-12-25T09:00+01:00[Europe/Paris]")?.toISOString()).toBe("2025-12-25T08:00:00.000Z");
    expect(zonedInstant("2025-12-25T09:00:00")).toBeUndefined();
    expect(zonedInstant("2025-12-25")).toBeUndefined();
  });

  it("refuses what it cannot honour, naming it: a date without an offset, templated dates, a cron, an unknown time zone", () => {
    expect(messages({ dates: ["2025-12-25T09:00:00"] }).join()).toMatch(/dates\.0: '2025-12-25T09:00:00' is not a date-time with an offset/);
    expect(messages({ dates: "{{ inputs.dates }}" }).join()).toMatch(/dates: not supported by Ferry yet: `dates` written as an expression/);
    expect(messages({ dates: ["{{ now() }}"] }).join()).toMatch(/not supported by Ferry yet/);
    expect(messages({ dates: ["2030-01-01T00:00:00Z"], cron: "* * * * *" }).join()).toMatch(/cron/);
    expect(messages({ dates: ["2030-01-01T00:00:00Z"], timezone: "Mars/Olympus" }).join()).toMatch(/timezone: unknown time zone 'Mars\/Olympus'/);
    expect(messages({})).toEqual([expect.stringMatching(/^dates: /)]);
  });
});
