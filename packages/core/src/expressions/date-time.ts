/**
 * A point in time with nanoseconds and the zone it is seen in: what Kestra's date filters hold
 * as a java.time.ZonedDateTime. JavaScript's Date keeps milliseconds only, so execution dates
 * like `2013-09-08T16:19:12.123456+01:00` would lose their microseconds in one.
 */
export interface ZonedTime {
  /** whole seconds since the epoch (UTC) */
  epochSecond: number;
  /** 0 to 999,999,999 */
  nano: number;
  /** an IANA zone (`Europe/Paris`, `UTC`) or a fixed offset (`+02:00`, `Z`) */
  zone: string;
}

/** the wall-clock fields of a ZonedTime in its zone */
export interface LocalFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  nano: number;
  /** 1 (Monday) to 7 (Sunday), as java.time counts */
  dayOfWeek: number;
  offsetSeconds: number;
}

const OFFSET = /^(?:Z|[+-]\d{2}(?::?\d{2}(?::?\d{2})?)?)$/;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** the seconds of a fixed offset (`+02:00`, `-0530`, `Z`), or undefined for a region */
export function fixedOffset(zone: string): number | undefined {
  if (!OFFSET.test(zone)) return undefined;
  if (zone === "Z") return 0;
  const digits = zone.slice(1).replaceAll(":", "");
  const seconds = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2, 4) || 0) * 60 + Number(digits.slice(4, 6) || 0);
  return zone[0] === "-" ? -seconds : seconds;
}

/** Java's ZoneId.of: a region Intl knows, `UTC`/`GMT`/`Z`, or an offset; anything else is refused */
export function checkZone(zone: string): string {
  if (fixedOffset(zone) !== undefined) return zone;
  const prefixed = /^(?:UTC|GMT|UT)([+-]\d{1,2}(?::?\d{2})?)$/.exec(zone);
  if (prefixed) return zone;
  // no zone name is this long: refused without Intl quoting it whole
  if (zone.length > 100 || !zoneFormatter(zone)) throw new RangeError(`Unknown time-zone ID: ${zone.slice(0, 100)}`);
  return zone;
}

function zoneFormatter(zone: string): Intl.DateTimeFormat | undefined {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat("en-US", {
        timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric", era: "short",
      });
    } catch {
      return undefined;
    }
    formatters.set(zone, f);
  }
  return f;
}

/** the offset from UTC, in seconds, of `zone` at the instant `epochSecond` */
export function offsetAt(zone: string, epochSecond: number): number {
  const fixed = fixedOffset(zone);
  if (fixed !== undefined) return fixed;
  const prefixed = /^(?:UTC|GMT|UT)(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$/.exec(zone);
  if (prefixed) return prefixed[1] ? (prefixed[1] === "-" ? -1 : 1) * (Number(prefixed[2]) * 3600 + Number(prefixed[3] ?? 0) * 60) : 0;
  const f = zoneFormatter(zone);
  if (!f) throw new RangeError(`Unknown time-zone ID: ${zone}`);
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(epochSecond * 1000))) p[part.type] = part.value;
  const year = p.era === "BC" ? 1 - Number(p.year) : Number(p.year);
  const local = Date.UTC(year, Number(p.month) - 1, Number(p.day), Number(p.hour), Number(p.minute), Number(p.second)) / 1000;
  return Math.round(local - epochSecond);
}

const DAY = 86_400;

/** days since 1970-01-01 of a proleptic Gregorian date */
export function epochDay(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return Math.floor(d.getTime() / 1000 / DAY);
}

export function fieldsOf(t: ZonedTime): LocalFields {
  const offsetSeconds = offsetAt(t.zone, t.epochSecond);
  const local = t.epochSecond + offsetSeconds;
  const days = Math.floor(local / DAY);
  const secs = local - days * DAY;
  const d = new Date(days * DAY * 1000);
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(),
    hour: Math.floor(secs / 3600), minute: Math.floor((secs % 3600) / 60), second: secs % 60, nano: t.nano,
    dayOfWeek: ((d.getUTCDay() + 6) % 7) + 1, offsetSeconds,
  };
}

/**
 * The instant of wall-clock fields in `zone`, as ZonedDateTime.of resolves them: in a gap
 * (clocks forward) the time moves forward by the gap; in an overlap the earlier offset wins.
 */
export function fromLocal(f: { year: number; month: number; day: number; hour: number; minute: number; second: number; nano: number }, zone: string): ZonedTime {
  const local = epochDay(f.year, f.month, f.day) * DAY + f.hour * 3600 + f.minute * 60 + f.second;
  const fixed = fixedOffset(zone);
  if (fixed !== undefined) return { epochSecond: local - fixed, nano: f.nano, zone };
  // the offsets in force a day either side: the local time is valid under one of them, or falls in a gap
  const candidates = [...new Set([offsetAt(zone, local - DAY), offsetAt(zone, local), offsetAt(zone, local + DAY)])].sort((a, b) => b - a);
  for (const offset of candidates) if (offsetAt(zone, local - offset) === offset) return { epochSecond: local - offset, nano: f.nano, zone };
  // a gap: read with the offset before it, which lands as far past the gap as it was into it
  return { epochSecond: local - candidates[candidates.length - 1], nano: f.nano, zone };
}

export function withZone(t: ZonedTime, zone: string): ZonedTime {
  return { ...t, zone };
}

/** from JavaScript milliseconds (with a fraction: sub-millisecond precision from performance.now) */
export function fromMillis(ms: number, zone: string): ZonedTime {
  const epochSecond = Math.floor(ms / 1000);
  return { epochSecond, nano: Math.round((ms - epochSecond * 1000) * 1e6), zone };
}

/** ZonedDateTime.plus(amount, ChronoUnit): date units on the wall clock, time units on the instant */
export function plus(t: ZonedTime, amount: number, unit: string): ZonedTime {
  const nanosPer: Record<string, number> = { NANOS: 1, MICROS: 1e3, MILLIS: 1e6 };
  const secondsPer: Record<string, number> = { SECONDS: 1, MINUTES: 60, HOURS: 3600, HALF_DAYS: 43_200 };
  if (unit in nanosPer) {
    const total = t.nano + amount * nanosPer[unit];
    const carry = Math.floor(total / 1e9);
    return { ...t, epochSecond: t.epochSecond + carry, nano: total - carry * 1e9 };
  }
  if (unit in secondsPer) return { ...t, epochSecond: t.epochSecond + amount * secondsPer[unit] };
  const f = fieldsOf(t);
  const months: Record<string, number> = { MONTHS: 1, YEARS: 12, DECADES: 120, CENTURIES: 1200, MILLENNIA: 12_000 };
  if (unit === "DAYS" || unit === "WEEKS") {
    const days = epochDay(f.year, f.month, f.day) + amount * (unit === "WEEKS" ? 7 : 1);
    const d = new Date(days * DAY * 1000);
    return keepOffset(fromLocal({ ...f, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }, t.zone), f.offsetSeconds);
  }
  if (unit in months) {
    const total = f.year * 12 + (f.month - 1) + amount * months[unit];
    const year = Math.floor(total / 12);
    const month = total - year * 12 + 1;
    // the day of month is kept, clamped to the month's last day (LocalDate.plusMonths)
    const last = new Date(Date.UTC(2000, month, 0));
    last.setUTCFullYear(year, month, 0);
    return keepOffset(fromLocal({ ...f, year, month, day: Math.min(f.day, last.getUTCDate()) }, t.zone), f.offsetSeconds);
  }
  throw new TypeError(`Unsupported unit: ${unit}`);
}

// ZonedDateTime keeps the previous offset when it is still valid at the new wall-clock time (an overlap)
function keepOffset(resolved: ZonedTime, previousOffset: number): ZonedTime {
  const local = resolved.epochSecond + offsetAt(resolved.zone, resolved.epochSecond);
  const alternative = local - previousOffset;
  return alternative !== resolved.epochSecond && offsetAt(resolved.zone, alternative) === previousOffset ? { ...resolved, epochSecond: alternative } : resolved;
}
