import corePlugin from "@ferry/plugin-core";
import { describe, expect, it } from "vitest";
import { previousFire } from "./previous-fire.js";

const schedule = corePlugin.triggers!.find((t) => t.type === "core.trigger.Schedule")!;
/** the Schedule trigger's own fire times for a cron */
const cron = (pattern: string, timezone?: string) => (after: Date) => schedule.nextFire!({ cron: pattern, timezone }, after);

/* Kestra's Schedule gives `previous` as the cron's time before the fire (ExecutionTime.lastExecution), fired or not: ScheduleTest */
describe("previousFire", () => {
  it("is the cron's time before the fire, a month back for a monthly cron (ScheduleTest.success)", () => {
    expect(previousFire(cron("0 0 1 * *", "UTC"), new Date("2026-10-01T00:00:00Z"))).toEqual(new Date("2026-09-01T00:00:00Z"));
  });

  it("a minute or a second back for crons that fire that often (ScheduleTest.everyMinute, everySecond)", () => {
    expect(previousFire(cron("* * * * *", "UTC"), new Date("2026-10-01T10:00:00Z"))).toEqual(new Date("2026-10-01T09:59:00Z"));
    expect(previousFire(cron("* * * * * *", "UTC"), new Date("2026-10-01T10:00:00Z"))).toEqual(new Date("2026-10-01T09:59:59Z"));
  });

  it("follows the time zone, and irregular crons (weekdays only)", () => {
    // Monday 2026-10-05 08:00 in Paris: the Friday before
    expect(previousFire(cron("0 8 * * 1-5", "Europe/Paris"), new Date("2026-10-05T06:00:00Z"))).toEqual(new Date("2026-10-02T06:00:00Z"));
  });

  it("is undefined when nothing fired in the ten years before", () => {
    expect(previousFire(() => undefined, new Date("2026-10-01T00:00:00Z"))).toBeUndefined();
    const once = new Date("2026-10-01T00:00:00Z");
    expect(previousFire((after) => (after < once ? once : undefined), once)).toBeUndefined();
  });
});
