import { ExpressionError } from "./expression.error.js";
import type { Builtin } from "./filters.js";
import { holidayProblem, isPublicHoliday } from "./holidays.js";
import { javaString } from "./java-text.js";
import { preview } from "./values.js";

/*
 * Kestra's calendar functions (DayOfWeekFunction, DayOfMonthFunction, MonthOfYearFunction,
 * HourOfDayFunction, IsWeekendFunction, IsDayWeekInMonthFunction, IsLastWorkingDayFunction,
 * IsDateAfter/Before/BetweenFunction, IsPublicHolidayFunction). A date is read as DateUtils reads it: an ISO date
 * (LocalDate.parse), else an ISO date-time with an offset (ZonedDateTime.parse), whose local
 * date and hour are taken as written, with no move to UTC.
 */

const DAYS = ["SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY"];
const POSITIONS = ["FIRST", "SECOND", "THIRD", "FOURTH"];

interface Parts {
  y: number;
  m: number;
  d: number;
  h: number;
  min: number;
  s: number;
  ms: number;
  /** the offset in minutes, absent for a local date or date-time */
  offset?: number;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2}(?::\d{2})?)?(?:\[[^\]]+\])?$/;

/** the parts of an ISO date or date-time, checked as java.time checks them (no 30 February), or undefined */
function parse(text: string): Parts | undefined {
  const date = DATE.exec(text);
  const m = date ?? DATE_TIME.exec(text);
  if (!m) return undefined;
  const parts: Parts = { y: +m[1], m: +m[2], d: +m[3], h: date ? 0 : +m[4], min: date ? 0 : +m[5], s: date ? 0 : +(m[6] ?? 0), ms: date ? 0 : Math.trunc(+`0.${m[7] ?? 0}` * 1000) };
  // a zone name in brackets needs an offset before it, as ZonedDateTime.parse does
  if (!date && m[8] === undefined && text.endsWith("]")) return undefined;
  if (!date && m[8] !== undefined) {
    const [sign, hh = "0", mm = "0"] = m[8] === "Z" ? ["+"] : [m[8][0], ...m[8].slice(1).split(":")];
    parts.offset = (sign === "-" ? -1 : 1) * (+hh * 60 + +mm);
  }
  const check = new Date(Date.UTC(parts.y, parts.m - 1, parts.d, parts.h, parts.min, parts.s));
  if (check.getUTCFullYear() !== parts.y || check.getUTCMonth() !== parts.m - 1 || check.getUTCDate() !== parts.d || parts.h > 23 || parts.min > 59 || parts.s > 59) return undefined;
  return parts;
}

const textOf = (value: unknown) => (value instanceof Date ? value.toISOString() : typeof value === "string" ? value : javaString(value, 200));

function required(fn: string, name: string, value: unknown): unknown {
  if (value === null || value === undefined) throw new ExpressionError(`The '${fn}()' function expects a '${name}' argument.`);
  return value;
}

function unparsable(fn: string, name: string, text: string): ExpressionError {
  return new ExpressionError(`The '${fn}()' function could not parse '${name}': Text '${preview(text)}' could not be parsed`);
}

/** DateUtils.parseLocalDate: a date, or the local date of a date-time with an offset */
function localDate(fn: string, value: unknown): Parts {
  const text = textOf(required(fn, "date", value));
  const parts = parse(text);
  if (!parts || (!DATE.test(text) && parts.offset === undefined)) throw unparsable(fn, "date", text);
  return parts;
}

const dayIndex = (p: Pick<Parts, "y" | "m" | "d">) => new Date(Date.UTC(p.y, p.m - 1, p.d)).getUTCDay();
const daysInMonth = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

function dayName(fn: string, name: string, value: unknown): number {
  const i = DAYS.indexOf(String(value).trim().toUpperCase());
  if (i < 0) throw new ExpressionError(`The '${fn}()' function received an invalid '${name}' value: '${preview(value)}'. Expected one of: MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY.`);
  return i;
}

/** the instant of a date or date-time; without an offset it is read as UTC (DateUtils.parseInstant) */
function instant(fn: string, name: string, value: unknown, offsetRequired: boolean): number {
  if (value instanceof Date) return value.getTime();
  const text = textOf(required(fn, name, value));
  const p = parse(text);
  if (!p || (offsetRequired && p.offset === undefined)) throw unparsable(fn, name, text);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s, p.ms) - (p.offset ?? 0) * 60_000;
}

const arg = (args: unknown[], named: Record<string, unknown>, i: number, name: string) => (name in named ? named[name] : args[i]);

export const CALENDAR_FUNCTIONS: Record<string, Builtin> = {
  dayOfWeek: (args, named) => DAYS[dayIndex(localDate("dayOfWeek", arg(args, named, 0, "date")))],
  dayOfMonth: (args, named) => localDate("dayOfMonth", arg(args, named, 0, "date")).d,
  monthOfYear: (args, named) => localDate("monthOfYear", arg(args, named, 0, "date")).m,
  // a date-time with or without an offset, its hour as written; a plain date is refused
  hourOfDay: (args, named) => {
    const text = textOf(required("hourOfDay", "date", arg(args, named, 0, "date")));
    const parts = DATE.test(text) ? undefined : parse(text);
    if (!parts) throw unparsable("hourOfDay", "date", text);
    return parts.h;
  },
  isWeekend: (args, named) => {
    const day = dayIndex(localDate("isWeekend", arg(args, named, 0, "date")));
    return day === 0 || day === 6;
  },
  // whether the date is the FIRST … FOURTH or LAST such weekday of its month
  isDayWeekInMonth: (args, named) => {
    const fn = "isDayWeekInMonth";
    const date = localDate(fn, arg(args, named, 0, "date"));
    const day = dayName(fn, "dayOfWeek", required(fn, "dayOfWeek", arg(args, named, 1, "dayOfWeek")));
    const position = String(required(fn, "position", arg(args, named, 2, "position"))).toUpperCase();
    const first = 1 + ((day - dayIndex({ y: date.y, m: date.m, d: 1 }) + 7) % 7);
    if (position === "LAST") {
      const last = daysInMonth(date.y, date.m);
      return date.d === last - ((dayIndex({ y: date.y, m: date.m, d: last }) - day + 7) % 7);
    }
    const n = POSITIONS.indexOf(position);
    if (n < 0) throw new ExpressionError(`The '${fn}()' function received an invalid 'position' value: '${preview(position)}'. Expected one of: FIRST, SECOND, THIRD, FOURTH, LAST.`);
    // plusWeeks may leave the month (a fifth week): then it is no day of this month
    return date.d === first + 7 * n;
  },
  // whether the date is the last of its month's working days (MONDAY–FRIDAY unless `workingDays` names others)
  isLastWorkingDay: (args, named) => {
    const fn = "isLastWorkingDay";
    const date = localDate(fn, arg(args, named, 0, "date"));
    const given = arg(args, named, 1, "workingDays");
    let working = new Set([1, 2, 3, 4, 5]);
    if (given !== null && given !== undefined && String(given).trim() !== "") {
      working = new Set();
      for (const part of String(given).split(/[,\s]+/)) {
        if (part.trim() === "") continue;
        const i = DAYS.indexOf(part.trim().toUpperCase());
        if (i < 0) throw new ExpressionError(`The '${fn}()' function received an invalid 'workingDays' value: '${part.trim()}'. Expected day names like MONDAY, TUESDAY, etc.`);
        working.add(i);
      }
      if (working.size === 0) throw new ExpressionError(`The '${fn}()' function requires at least one valid day in 'workingDays'.`);
    }
    if (!working.has(dayIndex(date))) return false;
    let candidate = daysInMonth(date.y, date.m);
    while (!working.has(dayIndex({ y: date.y, m: date.m, d: candidate }))) candidate--;
    return date.d === candidate;
  },
  // a public holiday of the country (ISO 3166-1 alpha-2), or of its subdivision: date-holidays for
  // Jollyday; a subdivision date-holidays does not know is read at the country's level, as
  // Jollyday reads a hierarchy it lacks (IsPublicHolidayFunctionTest: 'FR', 'IDF')
  isPublicHoliday: (args, named) => {
    const fn = "isPublicHoliday";
    const date = arg(args, named, 0, "date");
    const country = arg(args, named, 1, "countryCode");
    required(fn, "date", date);
    required(fn, "countryCode", country);
    const parts = localDate(fn, date);
    const code = String(country);
    const given = arg(args, named, 2, "subDivision");
    let subDivision = given === null || given === undefined || String(given).trim() === "" ? undefined : String(given);
    // an ISO 3166-2 code names its country first ('DE-BY', as Kestra's docs expressions/04.functions/06.dates write it);
    // date-holidays knows the subdivision by the part after it
    const iso = subDivision?.match(/^([A-Za-z]{2})-(.+)$/);
    if (iso && iso[1].toUpperCase() === code.toUpperCase()) subDivision = iso[2];
    const countryProblem = holidayProblem(code, undefined);
    if (countryProblem) throw new ExpressionError(`The '${fn}()' function: ${countryProblem}`);
    if (subDivision && holidayProblem(code, subDivision)) subDivision = undefined;
    const day = `${String(parts.y).padStart(4, "0")}-${String(parts.m).padStart(2, "0")}-${String(parts.d).padStart(2, "0")}`;
    return isPublicHoliday(day, code, subDivision);
  },
  isDateAfter: (args, named) => instant("isDateAfter", "date", arg(args, named, 0, "date"), false) > instant("isDateAfter", "reference", arg(args, named, 1, "reference"), false),
  isDateBefore: (args, named) => instant("isDateBefore", "date", arg(args, named, 0, "date"), false) < instant("isDateBefore", "reference", arg(args, named, 1, "reference"), false),
  // strictly between, as instants; every value needs an offset (TypeConverter.toZonedDateTime)
  isDateBetween: (args, named) => {
    const fn = "isDateBetween";
    const date = instant(fn, "date", arg(args, named, 0, "date"), true);
    return date > instant(fn, "after", arg(args, named, 1, "after"), true) && date < instant(fn, "before", arg(args, named, 2, "before"), true);
  },
};
