import { triggerKindProperties } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { workdaysTrigger } from "./workdays.trigger.js";

const parse = (properties: unknown) => workdaysTrigger.properties.parse(properties);

describe("acme.Workdays", () => {
  it("fires at the cron's times, skipping Saturdays and Sundays", () => {
    const properties = parse({ cron: "0 9 * * *", timezone: "UTC" });
    // Friday 2026-01-02 10:00 UTC: the next fire is Monday 09:00, not Saturday or Sunday
    expect(workdaysTrigger.nextFire!(properties, new Date("2026-01-02T10:00:00Z"))).toEqual(new Date("2026-01-05T09:00:00Z"));
    expect(workdaysTrigger.nextFire!(parse({ cron: "0 9 * * *", timezone: "UTC", skip: [] }), new Date("2026-01-02T10:00:00Z"))).toEqual(new Date("2026-01-03T09:00:00Z"));
    // every second: Friday's last second, then Monday's first, in the trigger's time zone
    const everySecond = parse({ cron: "* * * * * *", timezone: "Europe/Paris" });
    expect(workdaysTrigger.nextFire!(everySecond, new Date("2026-01-02T22:59:58Z"))).toEqual(new Date("2026-01-02T22:59:59Z"));
    expect(workdaysTrigger.nextFire!(everySecond, new Date("2026-01-02T22:59:59Z"))).toEqual(new Date("2026-01-04T23:00:00Z"));
  });

  it("gives the schedule kind's properties, and refuses a bad cron or day", () => {
    expect(triggerKindProperties.schedule.safeParse(parse({ cron: "0 9 * * *" })).success).toBe(true);
    expect(() => parse({ cron: "every morning" })).toThrow(/expected a cron expression/);
    expect(() => parse({ cron: "0 9 * * *", skip: ["SATURDAY"] })).toThrow();
    expect(() => parse({ cron: "0 9 * * *", skp: ["SAT"] })).toThrow(/skp/);
    expect(() => parse({ cron: "0 9 * * *", skip: ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"] })).toThrow(/never fire/);
    expect(workdaysTrigger.nextFire!(parse({ cron: "0 9 * * 0", timezone: "UTC", skip: ["SUN"] }), new Date("2026-01-02T10:00:00Z"))).toBeUndefined();
  });
});
