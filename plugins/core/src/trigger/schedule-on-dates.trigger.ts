import { defineTrigger, triggerKindProperties, z } from "@ferry/sdk";

/*
 * Kestra's ScheduleOnDates (io.kestra.plugin.core.trigger.ScheduleOnDates): a schedule whose
 * fire times are an explicit list of dates rather than a cron. Each date fires once, truncated
 * to the second; a date already past when the trigger is first seen does not fire (Kestra
 * looks for dates after now too); after the last date the trigger stays quiet. Missed dates
 * after downtime follow `recoverMissedSchedules`, as for Schedule.
 */

/** ISO-8601 with an offset (or Z), optionally Java's `[Region/City]` suffix: what Jackson reads as a ZonedDateTime */
const ZONED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})(?:\[[A-Za-z0-9_+\-/]+\])?$/;
const TEMPLATED = "not supported by Ferry yet: `dates` written as an expression (the scheduler computes fire times without rendering); list the dates";

/** the instant a zoned date-time names, to the second, or undefined when it is not one */
export function zonedInstant(text: string): Date | undefined {
  const match = ZONED.exec(text);
  if (!match) return undefined;
  const offset = match[2] === "Z" ? "Z" : match[2].replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
  const ms = Date.parse(`${match[1]}${offset}`);
  return Number.isNaN(ms) ? undefined : new Date(Math.floor(ms / 1000) * 1000);
}

const zonedDate = z.string().superRefine((value, ctx) => {
  if (value.includes("{{") || value.includes("{%")) ctx.addIssue({ code: "custom", message: TEMPLATED });
  else if (!zonedInstant(value)) ctx.addIssue({ code: "custom", message: `'${value}' is not a date-time with an offset, such as 2025-12-25T09:00:00+01:00 or 2025-12-25T08:00:00Z` });
});

const { inputs, recoverMissedSchedules } = triggerKindProperties.schedule.shape;

const properties = z
  .strictObject({
    dates: z.array(zonedDate, { error: (iss) => (typeof iss.input === "string" ? TEMPLATED : "`dates` is a list of date-times") }),
    timezone: z.string().optional(),
    inputs,
    recoverMissedSchedules,
  })
  .superRefine((value, ctx) => {
    try {
      if (value.timezone) new Intl.DateTimeFormat("en", { timeZone: value.timezone });
    } catch {
      ctx.addIssue({ code: "custom", path: ["timezone"], message: `unknown time zone '${value.timezone}'` });
    }
  });

export const scheduleOnDatesTrigger = defineTrigger({
  type: "core.trigger.ScheduleOnDates",
  aliases: ["io.kestra.plugin.core.trigger.ScheduleOnDates"],
  title: "Schedule on dates",
  description:
    "Starts the flow once at each of `dates` (ISO-8601 date-times with an offset, to the second), for calendars a cron cannot express. " +
    "`trigger.date` is the date, shown in `timezone` when set. Dates already past when the trigger is first deployed do not fire; " +
    "after downtime, `recoverMissedSchedules` starts ALL missed dates (default), the LAST one, or NONE.",
  kind: "schedule",
  properties,
  nextFire(props, after) {
    let next: Date | undefined;
    for (const text of props.dates) {
      const date = zonedInstant(text)!;
      if (date > after && (!next || date < next)) next = date;
    }
    return next;
  },
});
