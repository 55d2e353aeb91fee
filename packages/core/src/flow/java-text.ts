import { formatDuration, parseDuration } from "@ferry/sdk";

/**
 * Kestra types DATETIME and DURATION inputs as java.time values, and a template prints them
 * with their toString: the text a task reads is Java's, whatever spelling the caller gave.
 */

/** Instant.toString: UTC, the fraction only when there is one (`2013-08-09T14:19:00Z`, `…:00.100Z`) */
export function javaInstant(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, "Z");
}

/** what Duration.parse reads: days, hours, minutes, seconds (a fraction on seconds only); no years, months or weeks */
const JAVA_DURATION = /^[-+]?P(?!T?$)(?:[-+]?\d+D)?(?:T(?!$)(?:[-+]?\d+H)?(?:[-+]?\d+M)?(?:[-+]?\d+(?:[.,]\d{1,9})?S)?)?$/i;

/**
 * Duration.toString of what Duration.parse reads: hours, minutes and seconds, days counted as
 * hours (`PT90S` → `PT1M30S`, `P1D` → `PT24H`). Throws on what Java refuses (`P1M`, `P1W`).
 */
export function javaDuration(text: string): string {
  if (!JAVA_DURATION.test(text.trim())) throw new Error(`'${text}' is not a duration (PnDTnHnMn.nS, as PT5M or P1DT2H; years, months and weeks have no fixed length)`);
  return formatDuration(parseDuration(text));
}

/**
 * LocalTime.parse then LocalTime.toString: HH:mm, then :ss when the seconds or a fraction are
 * not zero, the fraction in groups of three digits (`18:27:00` → `18:27`, `01:02:03.5` → `01:02:03.500`).
 * Throws on what Java refuses (`25:00`, `7:00`).
 */
export function javaTime(text: string): string {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) throw new Error(`'${text}' is not a time (HH:mm or HH:mm:ss)`);
  const fraction = (m[4] ?? "").replace(/0+$/, "");
  if (!fraction && Number(m[3] ?? 0) === 0) return `${m[1]}:${m[2]}`;
  const digits = fraction ? fraction.padEnd(Math.ceil(fraction.length / 3) * 3, "0") : "";
  return `${m[1]}:${m[2]}:${m[3]}${digits ? `.${digits}` : ""}`;
}

/** what Instant.parse reads: a date-time ending in Z or an offset (it refuses a local date-time) */
export const JAVA_INSTANT_END = /(?:Z|[+-]\d{2}:\d{2})$/i;

/** FlowInputOutput.URI_PATTERN: a scheme, `://`, a host with a dotted suffix, then a path */
export const KESTRA_URI = /^[a-z]+:\/\/(?:www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b(?:[-a-zA-Z0-9()@:%_+.~#?&/=]*)$/;

/** EmailInput's EMAIL_PATTERN (its ’ is Kestra's, not an apostrophe) */
export const KESTRA_EMAIL = /^[a-zA-Z0-9_!#$%&’*+/=?`{|}~^.-]+@[a-zA-Z0-9.-]+$/;

/** Java's Float.valueOf syntax: decimal digits with an optional exponent and an f/F/d/D suffix, blanks around trimmed (hex floats aside) */
const JAVA_FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/;

/**
 * A FLOAT as Kestra types it (Float.valueOf): a 32-bit float, kept as the shortest decimal
 * that reads back as the same float, as Java's Float.toString prints it ("3.14159265" → 3.1415927).
 * Undefined when the text is no Java float (NaN and Infinity, which JSON cannot carry, included).
 */
export function javaFloat(value: number | string): number | undefined {
  const text = typeof value === "number" ? String(value) : value.trim();
  if (typeof value === "string" && !JAVA_FLOAT.test(text)) return undefined;
  const single = Math.fround(Number(text.replace(/[fFdD]$/, "")));
  if (!Number.isFinite(single)) return undefined;
  for (let digits = 1; digits <= 9; digits++) {
    const shortest = Number(single.toPrecision(digits));
    if (Math.fround(shortest) === single) return shortest;
  }
  return single;
}
