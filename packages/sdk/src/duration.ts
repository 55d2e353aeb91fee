import { UserError } from "./errors.js";

const ISO_DURATION = /^(-)?P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/i;

/** Parses an ISO-8601 duration (`PT1S`, `P1DT2H`, `PT0.5S`) into milliseconds. */
export function parseDuration(text: string): number {
  const m = ISO_DURATION.exec(text.trim());
  if (!m || text.trim().toUpperCase() === "P" || text.trim().toUpperCase().endsWith("T")) {
    throw new UserError(`'${text}' is not an ISO-8601 duration (for example PT30S, PT5M, P1D)`);
  }
  const n = (i: number) => (m[i] ? Number(m[i].replace(",", ".")) : 0);
  const ms =
    n(2) * 365 * 86_400_000 + n(3) * 30 * 86_400_000 + n(4) * 7 * 86_400_000 + n(5) * 86_400_000 +
    n(6) * 3_600_000 + n(7) * 60_000 + n(8) * 1000;
  return Math.round(m[1] ? -ms : ms);
}

export function isDuration(text: string): boolean {
  try {
    parseDuration(text);
    return true;
  } catch {
    return false;
  }
}

/** Milliseconds as an ISO-8601 duration, e.g. 1500 → `PT1.5S`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? "-" : "";
  let rest = Math.abs(ms);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = rest / 1000;
  let out = `${sign}PT`;
  if (h) out += `${h}H`;
  if (m) out += `${m}M`;
  if (s || (!h && !m)) out += `${Number(s.toFixed(3))}S`;
  return out;
}

/** Milliseconds as `HH:mm:ss.SSS`, the form Kestra's timeout message uses. */
export function formatClock(ms: number): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}
