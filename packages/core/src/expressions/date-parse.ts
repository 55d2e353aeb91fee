/**
 * What Kestra's date filters accept as a date (AbstractDate.convert): epoch seconds (a Long),
 * or a string read as a ZonedDateTime, else a LocalDateTime, else a LocalDate at the start of
 * the day, the last two in the filter's time zone; with `existingFormat`, read by that Java
 * pattern or named format.
 */
import { compilePattern, ISO_FORMATS, NAMED, type PatternItem } from "./date-format.js";
import { checkZone, fixedOffset, fromLocal, fromMillis, type ZonedTime } from "./date-time.js";
import { ExpressionError } from "./expression.error.js";
import { preview } from "./values.js";

const MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];
const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
// no date is written this long: refused without reading it
const MAX_DATE_TEXT = 200;

const ISO = /^([+-]?\d{4,9})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)?(?:\[([^\]]+)\])?)?$/;

class ParseError extends TypeError {
  constructor(text: string, detail?: string) {
    super(`Text '${preview(text)}' could not be parsed${detail ? `: ${detail}` : ""}`);
  }
}

/** the epoch seconds JavaScript's Date holds (±8.64e15 ms), less two days of margin for offsets */
const MAX_EPOCH_SECOND = 8.64e12 - 2 * 86_400;

/** A value as a ZonedTime; `zone` is the filter's time zone, used for dates written without one. */
export function toZoned(value: unknown, zone: string, existingFormat?: string): ZonedTime {
  if (value instanceof Date) return fromMillis(value.getTime(), zone);
  if (typeof value === "number" || typeof value === "bigint") {
    // a Long is epoch seconds in Kestra (Instant.ofEpochSecond), not milliseconds
    const seconds = Number(value);
    if (!Number.isFinite(seconds)) throw new TypeError(`'${preview(value)}' is not a date`);
    // Java's Instant reaches a billion years; JavaScript's dates (which compute Ferry's fields) stop near ±275,000
    if (Math.abs(seconds) > MAX_EPOCH_SECOND) {
      throw new ExpressionError(`${preview(value)} epoch seconds is a date Ferry cannot represent (beyond the years -271821 to 275760)`);
    }
    const whole = Math.floor(seconds);
    return { epochSecond: whole, nano: Math.round((seconds - whole) * 1e9), zone };
  }
  if (typeof value !== "string") throw new TypeError(`'${preview(value)}' is not a date (a string or epoch seconds)`);
  if (value.length > MAX_DATE_TEXT) throw new ParseError(value, "too long to be a date");
  if (existingFormat === undefined || (ISO_FORMATS.has(existingFormat) && existingFormat !== "rfc_1123_date_time")) return parseIso(value, zone);
  if (existingFormat === "rfc_1123_date_time") return parseRfc1123(value);
  return parsePattern(value, compilePattern(NAMED[existingFormat] ?? existingFormat), zone);
}

function parseIso(text: string, zone: string): ZonedTime {
  const m = ISO.exec(text.trim());
  if (!m) throw new ParseError(text, "expected an ISO-8601 date or date-time");
  const [, year, month, day, hour, minute, second, fraction, offset, region] = m;
  const fields = {
    year: Number(year), month: Number(month), day: Number(day),
    hour: Number(hour ?? 0), minute: Number(minute ?? 0), second: Number(second ?? 0), nano: fraction ? Number(fraction.padEnd(9, "0")) : 0,
  };
  check(text, fields);
  if (offset) {
    const fixed = normalizeOffset(offset);
    const at = fromLocal(fields, fixed);
    return region ? { ...at, zone: checkZone(region) } : at;
  }
  if (region) return fromLocal(fields, checkZone(region));
  return fromLocal(fields, zone);
}

function normalizeOffset(offset: string): string {
  if (offset === "Z" || offset === "z") return "Z";
  const digits = offset.slice(1).replaceAll(":", "");
  return `${offset[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || "00"}${digits.length > 4 ? `:${digits.slice(4, 6)}` : ""}`;
}

function check(text: string, f: { year: number; month: number; day: number; hour: number; minute: number; second: number }) {
  const days = new Date(Date.UTC(2000, f.month, 0));
  days.setUTCFullYear(f.year, f.month, 0);
  if (f.month < 1 || f.month > 12) throw new ParseError(text, `Invalid value for MonthOfYear: ${f.month}`);
  if (f.day < 1 || f.day > days.getUTCDate()) throw new ParseError(text, `Invalid date: day ${f.day} of month ${f.month}`);
  if (f.hour > 23 || f.minute > 59 || f.second > 59) throw new ParseError(text, "Invalid time");
}

// `Tue, 3 Jun 2008 11:05:30 GMT` or `… +0200`
const RFC_1123 = /^(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+(\d{2}):(\d{2})(?::(\d{2}))?\s+(GMT|[+-]\d{4})$/;

function parseRfc1123(text: string): ZonedTime {
  const m = RFC_1123.exec(text.trim());
  if (!m) throw new ParseError(text, "expected an RFC 1123 date-time");
  const month = MONTHS.findIndex((name) => name.startsWith(m[2].toLowerCase())) + 1;
  const fields = { year: Number(m[3]), month, day: Number(m[1]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6] ?? 0), nano: 0 };
  check(text, fields);
  return fromLocal(fields, m[7] === "GMT" ? "Z" : normalizeOffset(m[7]));
}

type Parsed = {
  year?: number; month?: number; day?: number; dayOfYear?: number;
  hour?: number; hour12?: number; pm?: boolean; minute?: number; second?: number; nano?: number; zone?: string;
};

/** reads `text` by a compiled Java pattern, as DateTimeFormatter.parse does (case-sensitive, optional sections tried) */
function parsePattern(text: string, items: PatternItem[], zone: string): ZonedTime {
  const parsed: Parsed = {};
  const end = readItems(text, 0, items, 0, parsed, false);
  if (end === undefined || end.pos !== text.length) throw new ParseError(text, `does not match the pattern (unparsed text found at index ${end?.pos ?? 0})`);
  if (parsed.year === undefined || (parsed.month === undefined && parsed.dayOfYear === undefined) || (parsed.day === undefined && parsed.dayOfYear === undefined)) {
    throw new ParseError(text, "Unable to obtain a date: the pattern must give a year, a month and a day");
  }
  let month = parsed.month ?? 1;
  let day = parsed.day ?? 1;
  if (parsed.dayOfYear !== undefined) {
    const d = new Date(Date.UTC(2000, 0, 1));
    d.setUTCFullYear(parsed.year, 0, parsed.dayOfYear);
    month = d.getUTCMonth() + 1;
    day = d.getUTCDate();
  }
  const hour = parsed.hour ?? (parsed.hour12 !== undefined ? (parsed.hour12 % 12) + (parsed.pm ? 12 : 0) : 0);
  const fields = { year: parsed.year, month, day, hour, minute: parsed.minute ?? 0, second: parsed.second ?? 0, nano: parsed.nano ?? 0 };
  check(text, fields);
  return fromLocal(fields, parsed.zone ?? zone);
}

/** parses items[from…] at text[pos…]; returns where it stopped, or undefined when a required item does not match */
function readItems(text: string, pos: number, items: PatternItem[], from: number, out: Parsed, inOptional: boolean): { pos: number; next: number } | undefined {
  let i = from;
  while (i < items.length) {
    const item = items[i];
    if ("optional" in item) {
      if (item.optional === "]") return inOptional ? { pos, next: i + 1 } : { pos, next: i + 1 };
      // an optional section: parsed if it matches, skipped whole otherwise
      const attempt: Parsed = { ...out };
      const done = readItems(text, pos, items, i + 1, attempt, true);
      const close = closingBracket(items, i);
      if (done) {
        Object.assign(out, attempt);
        pos = done.pos;
      }
      i = close + 1;
      continue;
    }
    if ("text" in item) {
      if (!text.startsWith(item.text, pos)) return undefined;
      pos += item.text.length;
    } else {
      const next = readField(text, pos, item.letter, item.count, out, items[i + 1]);
      if (next === undefined) return undefined;
      pos = next;
    }
    i++;
  }
  return { pos, next: i };
}

function closingBracket(items: PatternItem[], open: number): number {
  let depth = 0;
  for (let i = open; i < items.length; i++) {
    const item = items[i];
    if ("optional" in item) {
      if (item.optional === "[") depth++;
      else if (--depth === 0) return i;
    }
  }
  return items.length;
}

function digits(text: string, pos: number, min: number, max: number): { value: number; end: number } | undefined {
  let end = pos;
  while (end < text.length && end - pos < max && text[end] >= "0" && text[end] <= "9") end++;
  if (end - pos < min) return undefined;
  return { value: Number(text.slice(pos, end)), end };
}

function word(text: string, pos: number, words: string[], short: boolean): { index: number; end: number } | undefined {
  for (const [index, w] of words.entries()) {
    const candidate = short ? w.slice(0, 3) : w;
    const written = candidate[0].toUpperCase() + candidate.slice(1);
    if (text.startsWith(written, pos)) return { index, end: pos + written.length };
  }
  return undefined;
}

// an adjacent numeric field right after makes a variable-width one fixed (`yyyyMMdd`)
const adjacentNumber = (next: PatternItem | undefined) => next !== undefined && "letter" in next && /[yuMdHhKkmsSDn]/.test(next.letter) && next.count <= 2;

function readField(text: string, pos: number, letter: string, count: number, out: Parsed, next: PatternItem | undefined): number | undefined {
  const num = (min: number, max: number) => digits(text, pos, min, adjacentNumber(next) ? Math.max(min, count) : max);
  switch (letter) {
    case "y":
    case "u":
    case "Y": {
      if (count === 2) {
        const d = digits(text, pos, 2, 2);
        if (!d) return undefined;
        out.year = 2000 + d.value;
        return d.end;
      }
      const sign = text[pos] === "-" || text[pos] === "+" ? text[pos] : "";
      const d = digits(text, pos + sign.length, count, adjacentNumber(next) ? count : 10);
      if (!d) return undefined;
      out.year = sign === "-" ? -d.value : d.value;
      return d.end;
    }
    case "M":
    case "L": {
      if (count >= 3) {
        const w = word(text, pos, MONTHS, count === 3);
        if (!w) return undefined;
        out.month = w.index + 1;
        return w.end;
      }
      const d = num(count, 2);
      if (!d) return undefined;
      out.month = d.value;
      return d.end;
    }
    case "E":
    case "e":
    case "c": {
      // the day's name is read and checked against nothing, as a SMART resolver lets it be
      const w = word(text, pos, DAYS, count <= 3);
      return w?.end;
    }
    case "G":
      return text.startsWith("AD", pos) || text.startsWith("BC", pos) ? pos + 2 : undefined;
    case "a": {
      const ampm = text.slice(pos, pos + 2);
      if (ampm !== "AM" && ampm !== "PM") return undefined;
      out.pm = ampm === "PM";
      return pos + 2;
    }
    case "S": {
      const d = digits(text, pos, count, count);
      if (!d) return undefined;
      out.nano = Number(text.slice(pos, d.end).padEnd(9, "0").slice(0, 9));
      return d.end;
    }
    case "n": {
      const d = digits(text, pos, count, 9);
      if (!d) return undefined;
      out.nano = d.value;
      return d.end;
    }
    case "X":
    case "x":
    case "Z":
    case "O": {
      if (text[pos] === "Z" && letter !== "x") {
        out.zone = "Z";
        return pos + 1;
      }
      const m = /^(?:GMT|UTC)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?/.exec(text.slice(pos));
      if (!m) return text.startsWith("GMT", pos) ? ((out.zone = "Z"), pos + 3) : undefined;
      out.zone = `${m[1]}${m[2].padStart(2, "0")}:${m[3] ?? "00"}${m[4] ? `:${m[4]}` : ""}`;
      return pos + m[0].length;
    }
    case "V":
    case "z":
    case "v": {
      const m = /^[A-Za-z][A-Za-z0-9_+\-/]*/.exec(text.slice(pos));
      if (!m) return undefined;
      const name = m[0];
      out.zone = name === "GMT" || name === "UTC" || name === "Z" ? "Z" : fixedOffset(name) !== undefined ? name : checkZone(ZONE_ABBREVIATIONS[name] ?? name);
      return pos + name.length;
    }
    default: {
      const d = num(count, letter === "D" ? 3 : 2);
      if (!d) return undefined;
      if (letter === "d") out.day = d.value;
      else if (letter === "D") out.dayOfYear = d.value;
      else if (letter === "H" || letter === "k") out.hour = letter === "k" && d.value === 24 ? 0 : d.value;
      else if (letter === "h" || letter === "K") out.hour12 = d.value;
      else if (letter === "m") out.minute = d.value;
      else if (letter === "s") out.second = d.value;
      return d.end;
    }
  }
}

// the abbreviations Java's `z` reads most often, as their zones
const ZONE_ABBREVIATIONS: Record<string, string> = {
  CET: "Europe/Paris", CEST: "Europe/Paris", BST: "Europe/London", EST: "America/New_York", EDT: "America/New_York",
  CST: "America/Chicago", CDT: "America/Chicago", MST: "America/Denver", MDT: "America/Denver", PST: "America/Los_Angeles",
  PDT: "America/Los_Angeles", AWST: "Australia/Perth", AEST: "Australia/Sydney", AEDT: "Australia/Sydney", JST: "Asia/Tokyo", IST: "Asia/Kolkata",
};
