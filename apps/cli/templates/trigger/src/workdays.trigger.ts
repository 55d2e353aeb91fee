import { defineTrigger, triggerKindProperties, z } from "@ferry/sdk";
import { Cron } from "croner";

const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

/** the weekday of `date` in `timezone` (the server's own without one), and how far into that day it is */
function localDay(date: Date, timezone?: string): { day: (typeof DAYS)[number]; msIntoDay: number } {
  const format = new Intl.DateTimeFormat("en-US", { weekday: "short", hour: "numeric", minute: "numeric", second: "numeric", hourCycle: "h23", timeZone: timezone });
  const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  const msIntoDay = ((Number(parts.hour) * 60 + Number(parts.minute)) * 60 + Number(parts.second)) * 1000 + date.getUTCMilliseconds();
  return { day: parts.weekday.toUpperCase() as (typeof DAYS)[number], msIntoDay };
}

/**
 * An example trigger of the `schedule` kind: the server fires it at every time `nextFire`
 * gives, exactly once across server replicas, and reads the kind's properties (cron,
 * timezone, inputs, recoverMissedSchedules, …) itself. This one skips the days listed.
 */
export const workdaysTrigger = defineTrigger({
  type: "acme.Workdays",
  title: "Schedule on workdays",
  description: "Starts the flow on a cron schedule (five fields, six with seconds first), except on the days in `skip` (Saturday and Sunday unless told).",
  kind: "schedule",
  // a trigger of a kind must accept its kind's properties; its own come beside them, and
  // strict: a misspelt property (skp) is refused at deploy instead of being ignored
  properties: z
    .strictObject({ ...triggerKindProperties.schedule.shape, cron: z.string().min(1), skip: z.array(z.enum(DAYS)).default(["SAT", "SUN"]) })
    .superRefine((value, ctx) => {
      if (new Set(value.skip).size === DAYS.length) ctx.addIssue({ code: "custom", path: ["skip"], message: "skipping every day, it would never fire" });
      try {
        new Cron(value.cron, { paused: true, timezone: value.timezone });
      } catch (error) {
        ctx.addIssue({ code: "custom", path: ["cron"], message: `expected a cron expression: ${(error as Error).message}` });
      }
    }),
  nextFire(properties, after) {
    const cron = new Cron(properties.cron, { paused: true, timezone: properties.timezone });
    let next = cron.nextRun(after);
    // a fire on a skipped day: look again from the end of that day (a week of tries: a cron
    // that only falls on skipped days, every Sunday with skip SUN, never fires)
    for (let tries = 0; next && tries < 8; tries++) {
      const { day, msIntoDay } = localDay(next, properties.timezone);
      if (!properties.skip.includes(day)) return next;
      next = cron.nextRun(new Date(next.getTime() - msIntoDay + 86_400_000 - 1));
    }
    return undefined;
  },
});
