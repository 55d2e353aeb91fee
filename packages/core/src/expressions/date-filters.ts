import { formatZoned } from "./date-format.js";
import { toZoned } from "./date-parse.js";
import { checkZone, fromMillis, plus, withZone, type ZonedTime } from "./date-time.js";
import type { Builtin, Filter } from "./filters.js";
import type { RenderBudget } from "./render-limits.js";
import { arg, argText } from "./text-filters.js";
import { preview } from "./values.js";

/*
 * Kestra's temporal filters (AbstractDate and its subclasses) and now(): a date is read from
 * epoch seconds or text (existingFormat), seen in `timeZone` (UTC when absent: Ferry's servers
 * run in UTC, Kestra uses the JVM's zone), and printed by a Java pattern or a named format
 * (`iso` by default: yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX).
 */

interface DateArgs {
  format: string;
  timeZone: string;
  existingFormat?: string;
}

/** the arguments every date filter shares, by name or at their positions after the filter's own */
async function dateArgs(args: unknown[], named: Record<string, unknown>, b: RenderBudget, what: string, first: number): Promise<DateArgs> {
  const text = async (value: unknown) => (value === undefined || value === null ? undefined : await argText(value, b, what));
  const format = (await text(arg(args, named, first, "format"))) ?? "iso";
  const timeZone = checkZone((await text(arg(args, named, first + 1, "timeZone"))) ?? "UTC");
  const existingFormat = await text(arg(args, named, first + 2, "existingFormat"));
  const locale = await text(arg(args, named, first + 3, "locale"));
  // month and day names are English, as on a JVM whose locale is en_US (Kestra's default)
  if (locale !== undefined && !/^en([_-]|$)/i.test(locale)) throw new TypeError(`${what}: the locale '${preview(locale)}' is not supported by Ferry yet (English names only)`);
  return { format, timeZone, existingFormat };
}

/** a formatted date, checked as it grows; one step per character of the pattern */
function formatWithin(b: RenderBudget, t: ZonedTime, format: string, what: string): string {
  b.charge(format.length, what);
  return formatZoned(t, format, (length) => b.output(length, what));
}

const zoned = (v: unknown, a: DateArgs): ZonedTime => withZone(toZoned(v, a.timeZone, a.existingFormat), a.timeZone);

// ChronoUnit.valueOf: the names dateAdd takes
const UNITS = ["NANOS", "MICROS", "MILLIS", "SECONDS", "MINUTES", "HOURS", "HALF_DAYS", "DAYS", "WEEKS", "MONTHS", "YEARS", "DECADES", "CENTURIES", "MILLENNIA"];

/** DateAddFilter.getAsLong: a whole number, or text holding one */
function amountOf(value: unknown): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value)) return Number(value);
  throw new TypeError(`dateAdd: the amount must be a whole number, got '${preview(value)}'`);
}

const nullSafe =
  (f: Filter): Filter =>
  (v, args, named, b) =>
    v === null || v === undefined ? null : f(v, args, named, b);

export const DATE_FILTERS: Record<string, Filter> = {
  date: nullSafe(async (v, args, named, b) => {
    const a = await dateArgs(args, named, b, "date", 0);
    return formatWithin(b, zoned(v, a), a.format, "date");
  }),
  dateAdd: nullSafe(async (v, args, named, b) => {
    const amount = amountOf(arg(args, named, 0, "amount"));
    const unit = await argText(arg(args, named, 1, "unit"), b, "dateAdd");
    if (!UNITS.includes(unit)) throw new TypeError(`dateAdd: unknown unit '${preview(unit)}' (one of ${UNITS.join(", ")})`);
    const a = await dateArgs(args, named, b, "dateAdd", 2);
    // added in the date's own zone (a day is a wall-clock day there), then printed in timeZone
    const added = plus(toZoned(v, a.timeZone, a.existingFormat), amount, unit);
    return formatWithin(b, withZone(added, a.timeZone), a.format, "dateAdd");
  }),
  timestamp: nullSafe(async (v, args, named, b) => zoned(v, await timestampArgs(args, named, b, "timestamp")).epochSecond),
  timestampMilli: nullSafe(async (v, args, named, b) => {
    const t = zoned(v, await timestampArgs(args, named, b, "timestampMilli"));
    return t.epochSecond * 1000 + Math.floor(t.nano / 1e6);
  }),
  // microseconds, as text (TimestampMicroFilter). Kestra's older class added seconds as nanoseconds to the
  // fraction in microseconds; kestra-io/kestra PR #11546 (Sept. 2025) fixed it, and Kestra's docs
  // (expressions/03.filters/04.dates) warn that it "previously returned a nanosecond-precision value".
  timestampMicro: nullSafe(async (v, args, named, b) => {
    const t = zoned(v, await timestampArgs(args, named, b, "timestampMicro"));
    return String(BigInt(t.epochSecond) * 1_000_000n + BigInt(Math.floor(t.nano / 1000)));
  }),
  timestampNano: nullSafe(async (v, args, named, b) => {
    const t = zoned(v, await timestampArgs(args, named, b, "timestampNano"));
    return BigInt(t.epochSecond) * 1_000_000_000n + BigInt(t.nano);
  }),
};

/** the timestamp filters take timeZone and existingFormat only */
async function timestampArgs(args: unknown[], named: Record<string, unknown>, b: RenderBudget, what: string): Promise<DateArgs> {
  const timeZone = arg(args, named, 0, "timeZone");
  const existingFormat = arg(args, named, 1, "existingFormat");
  return dateArgs([], { timeZone, existingFormat }, b, what, 0);
}

export const DATE_FUNCTIONS: Record<string, Builtin> = {
  // the clock with microseconds, as Java's Clock gives them
  now: async (args, named, b) => {
    const a = await dateArgs(args, named, b, "now()", 0);
    return formatWithin(b, fromMillis(performance.timeOrigin + performance.now(), a.timeZone), a.format, "now()");
  },
};

/** `format` of a JavaScript Date in `timeZone`: what flows' own code formats with (formatDate in index.ts) */
export function formatDate(date: Date, pattern: string, timeZone = "UTC"): string {
  return formatZoned(fromMillis(date.getTime(), checkZone(timeZone)), pattern);
}

/** a value read as Kestra's date filters read it, as a JavaScript Date (milliseconds) */
export function toDate(value: unknown, existingFormat?: string): Date {
  const t = toZoned(value, "UTC", existingFormat);
  return new Date(t.epochSecond * 1000 + Math.floor(t.nano / 1e6));
}
