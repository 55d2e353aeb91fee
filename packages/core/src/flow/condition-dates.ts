/*
 * Dates as Kestra's schedule conditions read them (DateUtils.parseZonedDateTime and
 * parseLocalDate): an ISO-8601 date-time keeps the offset it is written with, so its day and
 * time of day are those of the trigger's time zone (`trigger.date` carries it). A date-time
 * without an offset is UTC; a date alone is that day at midnight.
 */
export interface ZonedDate {
  /** milliseconds since the epoch */
  instant: number;
  /** the local calendar date as written: year, month 1-12, day 1-31 */
  year: number;
  month: number;
  day: number;
  /** seconds since local midnight */
  secondOfDay: number;
  /** offset from UTC in seconds */
  offset: number;
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?(?:\[[^\]]+\])?$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function offsetSeconds(text: string | undefined): number {
  if (!text || text === "Z") return 0;
  const sign = text.startsWith("-") ? -1 : 1;
  const digits = text.slice(1).replace(":", "");
  return sign * (Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || "0") * 60);
}

/** parses an ISO-8601 date or date-time; undefined when it is not one */
export function parseZoned(text: string): ZonedDate | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? "0", m[5] ?? "0", m[6] ?? "0"].map(Number);
  const millis = m[7] ? Number(m[7].padEnd(3, "0").slice(0, 3)) : 0;
  const offset = offsetSeconds(m[8]);
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(local);
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return undefined;
  return { instant: local - offset * 1000, year, month, day, secondOfDay: hour * 3600 + minute * 60 + second + millis / 1000, offset };
}

/** an ISO-8601 time with an offset (`16:00:00+02:00`, Java's OffsetTime) as seconds since midnight UTC, unwrapped: comparable as Java compares them */
export function parseOffsetTime(text: string): number | undefined {
  const m = TIME.exec(text.trim());
  if (!m || !m[5]) return undefined;
  const [hour, minute, second] = [m[1], m[2], m[3] ?? "0"].map(Number);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return hour * 3600 + minute * 60 + second + (m[4] ? Number(`0.${m[4]}`) : 0) - offsetSeconds(m[5]);
}

/** a time of day (`09:00:00`, an offset optional: UTC when absent) as seconds since midnight UTC */
export function parseTimeOfDay(text: string): number | undefined {
  const m = TIME.exec(text.trim());
  if (!m) return undefined;
  const [hour, minute, second] = [m[1], m[2], m[3] ?? "0"].map(Number);
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return hour * 3600 + minute * 60 + second - offsetSeconds(m[5]);
}

export const DAYS_OF_WEEK = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"] as const;
export type DayOfWeek = (typeof DAYS_OF_WEEK)[number];

/** the local date's day of the week */
export function dayOfWeek(date: Pick<ZonedDate, "year" | "month" | "day">): DayOfWeek {
  const js = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return DAYS_OF_WEEK[(js + 6) % 7];
}

/** the day of the month of the first (or last) `dow` of that month */
export function dayInMonth(year: number, month: number, dow: DayOfWeek, last: boolean): number {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!last) {
    for (let d = 1; d <= 7; d++) if (dayOfWeek({ year, month, day: d }) === dow) return d;
  }
  for (let d = days; d > days - 7; d--) if (dayOfWeek({ year, month, day: d }) === dow) return d;
  throw new Error("unreachable: every weekday occurs in any seven days");
}

/** YYYY-MM-DD of a local date */
export const isoDay = (d: Pick<ZonedDate, "year" | "month" | "day">) => `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
