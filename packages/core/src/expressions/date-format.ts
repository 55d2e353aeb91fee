/**
 * Java DateTimeFormatter patterns (`yyyy/MM/dd HH:mm:ss.SSSXXX`), the ones Pebble's and
 * Kestra's date filters take, formatted with Intl in any IANA time zone.
 */
import { preview } from "./values.js";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

interface Parts {
  year: number; month: number; day: number; hour: number; minute: number; second: number; ms: number; weekday: number; offsetMinutes: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsIn(date: Date, timeZone: string): Parts {
  let f = formatters.get(timeZone);
  if (!f) {
    // no zone name is this long: refused without Intl quoting it whole
    if (timeZone.length > 100) throw new RangeError(`Invalid time zone specified: ${preview(timeZone)}`);
    f = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", second: "numeric", weekday: "short",
    });
    formatters.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(date)) p[part.type] = part.value;
  const local = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  const offsetMinutes = Math.round((local - Math.floor(date.getTime() / 1000) * 1000) / 60000);
  return {
    year: +p.year, month: +p.month, day: +p.day, hour: +p.hour, minute: +p.minute, second: +p.second,
    ms: date.getUTCMilliseconds(), weekday: ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(p.weekday), offsetMinutes,
  };
}

const LITERAL = /[^A-Za-z']+/y;

const pad = (n: number, width: number) => String(Math.abs(n)).padStart(width, "0");

function offset(minutes: number, colon: boolean, zForZero: boolean): string {
  if (minutes === 0 && zForZero) return "Z";
  const sign = minutes < 0 ? "-" : "+";
  const h = pad(Math.floor(Math.abs(minutes) / 60), 2);
  const m = pad(Math.abs(minutes) % 60, 2);
  return `${sign}${h}${colon ? ":" : ""}${m}`;
}

const NAMED: Record<string, string> = {
  iso: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
  iso_sec: "yyyy-MM-dd'T'HH:mm:ssXXX",
  sql: "yyyy-MM-dd HH:mm:ss.SSS",
  iso_date: "yyyy-MM-dd",
  iso_time: "HH:mm:ss.SSS",
  iso_zoned_date_time: "yyyy-MM-dd'T'HH:mm:ss.SSSXXX'['VV']'",
};

/**
 * Formats `date` in `timeZone` by a Java pattern or a named one (iso, sql, …). `grown`, when
 * given, is told the output's length after every field, so a caller can stop a pattern whose
 * output would be too long before it is all made.
 */
export function formatDate(date: Date, pattern: string, timeZone = "UTC", grown?: (length: number) => void): string {
  const p = partsIn(date, timeZone);
  const source = NAMED[pattern] ?? pattern;
  let out = "";
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === "'") {
      const end = source.indexOf("'", i + 1);
      if (end === i + 1) out += "'";
      else out += source.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? source.length : end + 1;
      grown?.(out.length);
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      // a run of literal characters at once (c is one, so the run is not empty)
      LITERAL.lastIndex = i;
      const run = LITERAL.exec(source)![0];
      out += run;
      i += run.length;
      continue;
    }
    let n = 1;
    while (source[i + n] === c) n++;
    i += n;
    switch (c) {
      case "y": case "u": out += n === 2 ? pad(p.year % 100, 2) : pad(p.year, n); break;
      case "M": case "L": out += n >= 4 ? MONTHS[p.month - 1] : n === 3 ? MONTHS[p.month - 1].slice(0, 3) : pad(p.month, n); break;
      case "d": out += pad(p.day, n); break;
      case "H": out += pad(p.hour, n); break;
      case "h": out += pad(p.hour % 12 || 12, n); break;
      case "m": out += pad(p.minute, n); break;
      case "s": out += pad(p.second, n); break;
      case "S": out += pad(p.ms, 3).slice(0, n).padEnd(n, "0"); break;
      case "a": out += p.hour < 12 ? "AM" : "PM"; break;
      case "E": out += n >= 4 ? DAYS[p.weekday] : DAYS[p.weekday].slice(0, 3); break;
      case "D": {
        const start = Date.UTC(p.year, 0, 1);
        out += pad(Math.floor((Date.UTC(p.year, p.month - 1, p.day) - start) / 86_400_000) + 1, n);
        break;
      }
      case "X": out += offset(p.offsetMinutes, n >= 3, true); break;
      case "x": out += offset(p.offsetMinutes, n >= 3, false); break;
      case "Z": out += offset(p.offsetMinutes, n >= 4, false); break;
      case "V": case "z": out += timeZone; break;
      default: out += c.repeat(n);
    }
    grown?.(out.length);
  }
  return out;
}

/** Reads what a date filter may be given: a Date, epoch milliseconds, or an ISO string. */
export function toDate(value: unknown, existingFormat?: string): Date {
  if (value instanceof Date) return value;
  if (typeof value === "number") return new Date(value);
  // no date is written this long: refused without reading it
  if (typeof value === "string" && value.length <= 200) {
    let text = value.trim();
    if (existingFormat === undefined && /^\d{4}-\d{2}-\d{2}T[^[]+\[.+\]$/.test(text)) text = text.replace(/\[.+\]$/, "");
    const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
    if (!Number.isNaN(d.getTime())) return d;
  }
  throw new TypeError(`'${preview(value)}' is not a date`);
}
