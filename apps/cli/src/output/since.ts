import { isCalendarDate, parseDuration } from "@ferry/sdk/basics";
import { UsageError } from "../exit-codes.js";

const SHORT = /^(\d+)(s|m|h|d|w)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * `--since` or `--before`: a time back from now (`30m`, `2h`, `7d`, or ISO-8601 `PT2H`, `P7D`)
 * or a date (`2026-11-01`, `2026-11-01T08:00:00Z`), as an ISO-8601 date-time.
 */
export function pastDate(text: string, option = "--since", now = Date.now()): string {
  const bad = () => new UsageError(`${option} '${text}' is not a duration (30m, 2h, 7d, PT2H) or a date (2026-11-01T08:00:00Z)`);
  const short = SHORT.exec(text.trim());
  if (short) return new Date(now - Number(short[1]) * UNIT_MS[short[2] as keyof typeof UNIT_MS]).toISOString();
  if (/^-?P/i.test(text.trim())) {
    let ms: number;
    try {
      ms = parseDuration(text);
    } catch {
      throw bad();
    }
    return new Date(now - Math.abs(ms)).toISOString();
  }
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) && isCalendarDate(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(at)) throw bad();
  return new Date(at).toISOString();
}
