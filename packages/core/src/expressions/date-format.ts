/**
 * Java DateTimeFormatter patterns (`yyyy/MM/dd HH:mm:ss.SSSSSSXXX`), the named formats of
 * Kestra's AbstractDate (`iso`, `sql`, `iso_date_time`, `rfc_1123_date_time`, the styles
 * `short` … `full`), and what they print for a ZonedTime in any IANA zone.
 */
import { fieldsOf, type LocalFields, type ZonedTime } from "./date-time.js";
import { preview } from "./values.js";

const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/** a compiled pattern: literal text, or a field letter repeated `count` times */
export type PatternItem = { text: string } | { letter: string; count: number } | { optional: "[" | "]" };

/** Kestra's FORMATTERS: its own patterns, and java.time's ISO formatters written as what they print */
export const NAMED: Record<string, string> = {
  iso: "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
  iso_sec: "yyyy-MM-dd'T'HH:mm:ssXXX",
  sql: "yyyy-MM-dd HH:mm:ss.SSSSSS",
  sql_seq: "yyyy-MM-dd HH:mm:ss",
};
/** java.time's ISO and RFC formatters, printed by code (their fractions and zones are not fixed-width patterns) */
export const ISO_FORMATS = new Set([
  "iso_date_time", "iso_date", "iso_time", "iso_local_date", "iso_instant", "iso_local_date_time", "iso_local_time",
  "iso_offset_time", "iso_ordinal_date", "iso_week_date", "iso_zoned_date_time", "rfc_1123_date_time",
]);
const STYLES = new Set(["full", "long", "medium", "short"]);

const compiled = new Map<string, PatternItem[]>();

/** A Java pattern as items; letters Java reserves and unknown are refused, as ofPattern refuses them. */
export function compilePattern(pattern: string): PatternItem[] {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  const items: PatternItem[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      // '' is a quote, inside quoted text as outside: 'o''clock' is o'clock
      if (pattern[i + 1] === "'") {
        items.push({ text: "'" });
        i += 2;
        continue;
      }
      let text = "";
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw new RangeError(`Pattern ends with an incomplete string literal: ${preview(pattern)}`);
        if (pattern[j] === "'") {
          if (pattern[j + 1] !== "'") break;
          text += "'";
          j += 2;
        } else text += pattern[j++];
      }
      items.push({ text });
      i = j + 1;
      continue;
    }
    if (c === "[" || c === "]") {
      items.push({ optional: c });
      i++;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      if (!/[GuyDMLdQqYwWEecFaBhKkHmsSAnNVvzOXxZp]/.test(c)) throw new RangeError(`Unknown pattern letter: ${c}`);
      let n = 1;
      while (pattern[i + n] === c) n++;
      items.push({ letter: c, count: n });
      i += n;
      continue;
    }
    if (c === "#" || c === "{" || c === "}") throw new RangeError(`Pattern includes reserved character: '${c}'`);
    items.push({ text: c });
    i++;
  }
  if (compiled.size > 1000) compiled.clear();
  compiled.set(pattern, items);
  return items;
}

const pad = (n: number, width: number) => (n < 0 ? "-" : "") + String(Math.abs(n)).padStart(width, "0");

/** ±HH:MM, ±HHMM and the like, as X/x/Z print them */
function offsetText(seconds: number, letter: string, count: number): string {
  if (seconds === 0 && (letter === "X" || (letter === "Z" && count === 5))) return "Z";
  const sign = seconds < 0 ? "-" : "+";
  const abs = Math.abs(seconds);
  const h = pad(Math.floor(abs / 3600), 2);
  const m = pad(Math.floor((abs % 3600) / 60), 2);
  const s = abs % 60;
  if (letter === "Z") {
    if (count <= 3) return `${sign}${h}${m}`;
    if (count === 4) return seconds === 0 ? "GMT" : `GMT${sign}${h}:${m}${s ? `:${pad(s, 2)}` : ""}`;
    return `${sign}${h}:${m}${s ? `:${pad(s, 2)}` : ""}`;
  }
  switch (count) {
    case 1:
      return `${sign}${h}${m === "00" ? "" : m}`;
    case 2:
      return `${sign}${h}${m}`;
    case 3:
      return `${sign}${h}:${m}`;
    case 4:
      return `${sign}${h}${m}${s ? pad(s, 2) : ""}`;
    default:
      return `${sign}${h}:${m}${s ? `:${pad(s, 2)}` : ""}`;
  }
}

/** `GMT+2`, `GMT+02:00`: the localized offset of O and OOOO */
function localizedOffset(seconds: number, full: boolean): string {
  if (seconds === 0) return "GMT";
  const sign = seconds < 0 ? "-" : "+";
  const abs = Math.abs(seconds);
  const h = Math.floor(abs / 3600);
  const m = Math.floor((abs % 3600) / 60);
  return full ? `GMT${sign}${pad(h, 2)}:${pad(m, 2)}` : `GMT${sign}${h}${m ? `:${pad(m, 2)}` : ""}`;
}

const names = new Map<string, Intl.DateTimeFormat>();

/** a zone's name at an instant, as Java's `z` prints it: an abbreviation where English locales have one (CEST, AWST, PDT) */
function zoneName(zone: string, epochSecond: number, long: boolean): string {
  if (/^[+-]|^Z$/.test(zone)) return zone === "Z" ? "Z" : zone;
  if (zone === "UTC" || zone === "Etc/UTC") return long ? "Coordinated Universal Time" : "UTC";
  const locales = long ? ["en-US"] : ["en-US", "en-GB", "en-AU", "en-IN", "en-NZ", "en-CA"];
  let first = "";
  for (const locale of locales) {
    const key = `${locale}|${zone}|${long}`;
    let f = names.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(locale, { timeZone: zone, timeZoneName: long ? "long" : "short" });
      names.set(key, f);
    }
    const name = f.formatToParts(new Date(epochSecond * 1000)).find((p) => p.type === "timeZoneName")?.value ?? zone;
    if (!/^(GMT|UTC)[+-−]/.test(name)) return name;
    first ||= name;
  }
  return first;
}

function isoWeek(f: LocalFields): { year: number; week: number } {
  const date = new Date(Date.UTC(2000, 0, 1));
  date.setUTCFullYear(f.year, f.month - 1, f.day);
  date.setUTCDate(date.getUTCDate() + 4 - f.dayOfWeek);
  const year = date.getUTCFullYear();
  const start = new Date(Date.UTC(2000, 0, 1));
  start.setUTCFullYear(year, 0, 1);
  return { year, week: Math.floor((date.getTime() - start.getTime()) / 86_400_000 / 7) + 1 };
}

const dayOfYear = (f: LocalFields) => {
  const start = new Date(Date.UTC(2000, 0, 1));
  start.setUTCFullYear(f.year, 0, 1);
  const day = new Date(Date.UTC(2000, 0, 1));
  day.setUTCFullYear(f.year, f.month - 1, f.day);
  return Math.round((day.getTime() - start.getTime()) / 86_400_000) + 1;
};

function field(letter: string, n: number, f: LocalFields, t: ZonedTime, names: Map<string, string>): string {
  switch (letter) {
    case "G":
      return n === 4 ? (f.year > 0 ? "Anno Domini" : "Before Christ") : n === 5 ? (f.year > 0 ? "A" : "B") : f.year > 0 ? "AD" : "BC";
    case "u":
    case "y":
    case "Y": {
      const year = letter === "Y" ? isoWeek(f).year : letter === "y" && f.year <= 0 ? 1 - f.year : f.year;
      if (n === 2) return pad(((year % 100) + 100) % 100, 2);
      return n < 4 ? String(year) : pad(year, n);
    }
    case "M":
    case "L":
      return n >= 5 ? MONTHS[f.month - 1][0] : n === 4 ? MONTHS[f.month - 1] : n === 3 ? MONTHS[f.month - 1].slice(0, 3) : pad(f.month, n);
    case "d":
      return pad(f.day, n);
    case "D":
      return pad(dayOfYear(f), n);
    case "Q":
    case "q": {
      const q = Math.ceil(f.month / 3);
      return n === 3 ? `Q${q}` : n === 4 ? `${["1st", "2nd", "3rd", "4th"][q - 1]} quarter` : pad(q, n);
    }
    case "w":
      return pad(isoWeek(f).week, n);
    case "W":
      return String(Math.ceil((f.day + ((f.dayOfWeek - f.day) % 7 + 7) % 7) / 7));
    case "E":
      return n >= 5 ? DAYS[f.dayOfWeek - 1][0] : n === 4 ? DAYS[f.dayOfWeek - 1] : DAYS[f.dayOfWeek - 1].slice(0, 3);
    case "e":
    case "c":
      // en_US weeks start on Sunday
      return n >= 3 ? field("E", n, f, t, names) : pad((f.dayOfWeek % 7) + 1, n);
    case "F":
      return String(Math.ceil(f.day / 7));
    case "a":
      return f.hour < 12 ? "AM" : "PM";
    case "B":
      return f.hour >= 6 && f.hour < 12 ? "in the morning" : f.hour >= 12 && f.hour < 18 ? "in the afternoon" : f.hour >= 18 && f.hour < 21 ? "in the evening" : "at night";
    case "h":
      return pad(f.hour % 12 || 12, n);
    case "K":
      return pad(f.hour % 12, n);
    case "k":
      return pad(f.hour || 24, n);
    case "H":
      return pad(f.hour, n);
    case "m":
      return pad(f.minute, n);
    case "s":
      return pad(f.second, n);
    case "S":
      return pad(f.nano, 9).slice(0, Math.min(n, 9)).padEnd(n, "0");
    case "A":
      return pad((f.hour * 3600 + f.minute * 60 + f.second) * 1000 + Math.floor(f.nano / 1e6), n);
    case "n":
      return pad(f.nano, n);
    case "N":
      return pad((f.hour * 3600 + f.minute * 60 + f.second) * 1e9 + f.nano, n);
    case "V":
      return t.zone;
    case "v":
    case "z": {
      // looked up once per format: a pattern may repeat the letter thousands of times
      const key = n >= 4 ? "long" : "short";
      let name = names.get(key);
      if (name === undefined) names.set(key, (name = zoneName(t.zone, t.epochSecond, n >= 4)));
      return name;
    }
    case "O":
      return localizedOffset(f.offsetSeconds, n >= 4);
    case "X":
    case "x":
    case "Z":
      return offsetText(f.offsetSeconds, letter, n);
    default:
      return "";
  }
}

/** the fraction of ISO_LOCAL_TIME: nothing when zero, else as few digits as keep it */
const isoFraction = (nano: number) => (nano === 0 ? "" : `.${pad(nano, 9).replace(/0+$/, "")}`);
/** ISO_INSTANT's: in groups of three digits */
const instantFraction = (nano: number) => (nano === 0 ? "" : `.${pad(nano, 9).replace(/(000)+$/, "")}`);

const isoDate = (f: LocalFields) => `${f.year > 9999 ? "+" : ""}${pad(f.year, 4)}-${pad(f.month, 2)}-${pad(f.day, 2)}`;
const isoTime = (f: LocalFields) => `${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)}${isoFraction(f.nano)}`;
const isoOffset = (f: LocalFields) => offsetText(f.offsetSeconds, "X", 5);
const regionSuffix = (t: ZonedTime) => (/^[+-]|^Z$/.test(t.zone) ? "" : `[${t.zone}]`);

function iso(name: string, t: ZonedTime): string {
  const f = fieldsOf(t);
  switch (name) {
    case "iso_date_time":
    case "iso_zoned_date_time":
      return `${isoDate(f)}T${isoTime(f)}${isoOffset(f)}${regionSuffix(t)}`;
    case "iso_date":
      return `${isoDate(f)}${isoOffset(f)}`;
    case "iso_time":
    case "iso_offset_time":
      return `${isoTime(f)}${isoOffset(f)}`;
    case "iso_local_date":
      return isoDate(f);
    case "iso_local_date_time":
      return `${isoDate(f)}T${isoTime(f)}`;
    case "iso_local_time":
      return isoTime(f);
    case "iso_instant": {
      const u = fieldsOf({ ...t, zone: "Z" });
      return `${isoDate(u)}T${pad(u.hour, 2)}:${pad(u.minute, 2)}:${pad(u.second, 2)}${instantFraction(u.nano)}Z`;
    }
    case "iso_ordinal_date":
      return `${pad(f.year, 4)}-${pad(dayOfYear(f), 3)}${isoOffset(f)}`;
    case "iso_week_date": {
      const w = isoWeek(f);
      return `${pad(w.year, 4)}-W${pad(w.week, 2)}-${f.dayOfWeek}${isoOffset(f)}`;
    }
    default: {
      // rfc_1123_date_time: `Tue, 3 Jun 2008 11:05:30 GMT`
      const offset = f.offsetSeconds === 0 ? "GMT" : offsetText(f.offsetSeconds, "Z", 1);
      return `${DAYS[f.dayOfWeek - 1].slice(0, 3)}, ${f.day} ${MONTHS[f.month - 1].slice(0, 3)} ${pad(f.year, 4)} ${pad(f.hour, 2)}:${pad(f.minute, 2)}:${pad(f.second, 2)} ${offset}`;
    }
  }
}

/** ofLocalizedDateTime(style) in en_US, through Intl's CLDR data as Java's is */
function styled(style: string, t: ZonedTime): string {
  const zone = /^[+-]/.test(t.zone) ? undefined : t.zone === "Z" ? "UTC" : t.zone;
  const fmt = new Intl.DateTimeFormat("en-US", { dateStyle: style as "short", timeStyle: style as "short", timeZone: zone });
  return fmt.format(new Date(t.epochSecond * 1000 + Math.floor(t.nano / 1e6)));
}

/**
 * Formats `t` in its zone by a Java pattern or a named format. `grown`, when given, is told the
 * output's length after every field, so a caller can stop a pattern whose output would be too
 * long before it is all made.
 */
export function formatZoned(t: ZonedTime, format: string, grown?: (length: number) => void): string {
  if (ISO_FORMATS.has(format)) return iso(format, t);
  if (STYLES.has(format)) return styled(format, t);
  const items = compilePattern(NAMED[format] ?? format);
  const f = fieldsOf(t);
  const names = new Map<string, string>();
  let out = "";
  for (const item of items) {
    if ("text" in item) out += item.text;
    else if ("letter" in item) {
      if (item.letter === "p") continue;
      out += field(item.letter, item.count, f, t, names);
    }
    grown?.(out.length);
  }
  return out;
}
