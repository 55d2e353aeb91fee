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
