/**
 * Whether text starting `yyyy-MM-dd` names a day of the calendar: `Date.parse` rolls
 * 2026-02-30 over to March 2nd instead of refusing it, as Java's ISO parser does.
 */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Java's ISO_ZONED_DATE_TIME (what Kestra reads a ZonedDateTime from): an offset, then an optional [zone id] */
const ZONED_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})(?:\[[A-Za-z0-9_/+-]+\])?$/i;

/**
 * A date-time as Kestra's `Property<ZonedDateTime>` and the API's ZonedDateTime parameters
 * take it — `2026-01-31T12:00:00Z`, `2026-01-31T12:00+01:00`, `…+01:00[Europe/Paris]` — as
 * the instant it names; undefined when it is not one (no offset, no time, a day that does not
 * exist, hour 24…), so the caller can say what was wrong where it was written.
 */
export function parseZonedDateTime(text: string): Date | undefined {
  const m = ZONED_DATE_TIME.exec(text.trim());
  if (!m || !isCalendarDate(m[1])) return undefined;
  const [hour, minute, second] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const offset = m[6].toUpperCase();
  if (offset !== "Z" && (Number(offset.slice(1, 3)) > 18 || Number(offset.slice(4, 6)) > 59)) return undefined;
  // milliseconds are what Date keeps: finer digits are dropped, as the instant is stored to the millisecond
  const fraction = m[5] ? m[5].slice(0, 4).padEnd(4, "0") : ".000";
  const at = Date.parse(`${m[1]}T${m[2]}:${m[3]}:${String(second).padStart(2, "0")}${fraction}${offset}`);
  return Number.isNaN(at) ? undefined : new Date(at);
}
