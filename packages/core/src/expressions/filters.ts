import { parseDuration } from "@ferry/sdk";
import { formatDate, toDate } from "./date-format.js";
import { compare, stringify, toNumber } from "./values.js";

export type Callable = (args: unknown[], named: Record<string, unknown>) => unknown | Promise<unknown>;
export type Filter = (input: unknown, args: unknown[], named: Record<string, unknown>) => unknown | Promise<unknown>;

const arg = (args: unknown[], named: Record<string, unknown>, index: number, name: string): unknown =>
  named[name] !== undefined ? named[name] : args[index];

function length(input: unknown): number {
  if (input === null || input === undefined) return 0;
  if (typeof input === "string" || Array.isArray(input)) return input.length;
  if (typeof input === "object") return Object.keys(input).length;
  return stringify(input).length;
}

function list(input: unknown, what: string): unknown[] {
  if (Array.isArray(input)) return input;
  if (input && typeof input === "object") return Object.values(input);
  if (typeof input === "string") return [...input];
  throw new TypeError(`${what} expects a list, got '${stringify(input)}'`);
}

/** Pebble's core filters plus Kestra's additions (toJson, date, number, …). */
export const FILTERS: Record<string, Filter> = {
  upper: (v) => stringify(v).toUpperCase(),
  lower: (v) => stringify(v).toLowerCase(),
  capitalize: (v) => {
    const s = stringify(v);
    return s.charAt(0).toUpperCase() + s.slice(1);
  },
  title: (v) => stringify(v).replace(/(^|\s)(\S)/g, (_, a: string, b: string) => a + b.toUpperCase()),
  trim: (v) => stringify(v).trim(),
  length: (v) => length(v),
  abs: (v) => Math.abs(toNumber(v, "abs")),
  round: (v, args, named) => {
    const precision = Number(arg(args, named, 0, "precision") ?? 0);
    const f = 10 ** precision;
    return Math.round(toNumber(v, "round") * f) / f;
  },
  number: (v, args, named) => {
    const type = arg(args, named, 0, "type");
    const n = toNumber(v, "number");
    return type === "INT" || type === "LONG" ? Math.trunc(n) : n;
  },
  // `default` itself is handled by the evaluator, which must catch undefined names
  toJson: (v) => JSON.stringify(v ?? null),
  json: (v) => JSON.stringify(v ?? null),
  first: (v) => (typeof v === "string" ? v.charAt(0) : list(v, "first")[0]),
  last: (v) => {
    if (typeof v === "string") return v.charAt(v.length - 1);
    const items = list(v, "last");
    return items[items.length - 1];
  },
  join: (v, args, named) => list(v, "join").map(stringify).join(stringify(arg(args, named, 0, "separator") ?? "")),
  split: (v, args, named) => stringify(v).split(stringify(arg(args, named, 0, "delimiter"))),
  replace: (v, args, named) => {
    let s = stringify(v);
    const map = arg(args, named, 0, "replace_pairs");
    if (map && typeof map === "object") for (const [from, to] of Object.entries(map)) s = s.split(from).join(stringify(to));
    return s;
  },
  keys: (v) => (v && typeof v === "object" ? Object.keys(v) : []),
  values: (v) => (v && typeof v === "object" ? Object.values(v) : []),
  reverse: (v) => (typeof v === "string" ? [...v].reverse().join("") : [...list(v, "reverse")].reverse()),
  sort: (v) => [...list(v, "sort")].sort(compare),
  rsort: (v) => [...list(v, "rsort")].sort(compare).reverse(),
  unique: (v) => [...new Set(list(v, "unique").map((x) => JSON.stringify(x)))].map((x) => JSON.parse(x)),
  slice: (v, args, named) => {
    const from = Number(arg(args, named, 0, "fromIndex") ?? 0);
    const to = arg(args, named, 1, "toIndex");
    return typeof v === "string" ? v.slice(from, to === undefined ? undefined : Number(to)) : list(v, "slice").slice(from, to === undefined ? undefined : Number(to));
  },
  abbreviate: (v, args, named) => {
    const s = stringify(v);
    const n = Number(arg(args, named, 0, "length"));
    return s.length <= n ? s : s.slice(0, Math.max(0, n - 3)) + "...";
  },
  merge: (v, args) => (Array.isArray(v) ? [...v, ...list(args[0], "merge")] : { ...(v as object), ...(args[0] as object) }),
  startsWith: (v, args) => stringify(v).startsWith(stringify(args[0])),
  endsWith: (v, args) => stringify(v).endsWith(stringify(args[0])),
  urlencode: (v) => encodeURIComponent(stringify(v)),
  urldecode: (v) => decodeURIComponent(stringify(v)),
  base64encode: (v) => Buffer.from(stringify(v), "utf8").toString("base64"),
  base64decode: (v) => Buffer.from(stringify(v), "base64").toString("utf8"),
  slugify: (v) => stringify(v).toLowerCase().normalize("NFKD").replace(/[^\w\s-]/g, "").trim().replace(/[\s_-]+/g, "-"),
  date: (v, args, named) => {
    const format = stringify(arg(args, named, 0, "format") ?? "iso");
    const timeZone = stringify(arg(args, named, 2, "timeZone") ?? "UTC");
    return formatDate(toDate(v), format, timeZone);
  },
  dateAdd: (v, args, named) => {
    const amount = toNumber(arg(args, named, 0, "amount"), "dateAdd");
    const unit = stringify(arg(args, named, 1, "unit")).toUpperCase();
    const ms: Record<string, number> = { MILLIS: 1, SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000, WEEKS: 604_800_000 };
    const date = toDate(v);
    // months and years are calendar units (Java's ChronoUnit): the day of month is kept, clamped to the month's last day
    if (unit === "MONTHS" || unit === "YEARS") return addMonths(date, unit === "YEARS" ? amount * 12 : amount).toISOString();
    if (!(unit in ms)) throw new TypeError(`dateAdd: unknown unit '${unit}' (one of ${[...Object.keys(ms), "MONTHS", "YEARS"].join(", ")})`);
    return new Date(date.getTime() + amount * ms[unit]).toISOString();
  },
  timestamp: (v) => Math.floor(toDate(v).getTime() / 1000),
  timestampMilli: (v) => toDate(v).getTime(),
  duration: (v) => parseDuration(stringify(v)),
};

export const FUNCTIONS: Record<string, Callable> = {
  now: (args, named) => {
    const format = arg(args, named, 0, "format");
    const timeZone = stringify(arg(args, named, 1, "timeZone") ?? "UTC");
    return formatDate(new Date(), stringify(format ?? "iso"), timeZone);
  },
  fromJson: (args) => (args[0] === null || args[0] === undefined ? null : JSON.parse(stringify(args[0]))),
  json: (args) => (args[0] === null || args[0] === undefined ? null : typeof args[0] === "string" ? JSON.parse(args[0]) : args[0]),
  range: (args) => {
    const [from, to, step = 1] = args.map((a) => toNumber(a, "range"));
    const out: number[] = [];
    for (let i = from; step > 0 ? i <= to : i >= to; i += step) out.push(i);
    return out;
  },
  max: (args) => Math.max(...args.map((a) => toNumber(a, "max"))),
  min: (args) => Math.min(...args.map((a) => toNumber(a, "min"))),
  uuid: () => crypto.randomUUID(),
  randomInt: (args) => {
    const [lo, hi] = args.map((a) => toNumber(a, "randomInt"));
    return lo + Math.floor(Math.random() * (hi - lo));
  },
};

function addMonths(date: Date, months: number): Date {
  const out = new Date(date.getTime());
  const day = out.getUTCDate();
  out.setUTCDate(1);
  out.setUTCMonth(out.getUTCMonth() + Math.trunc(months));
  const lastDay = new Date(Date.UTC(out.getUTCFullYear(), out.getUTCMonth() + 1, 0)).getUTCDate();
  out.setUTCDate(Math.min(day, lastDay));
  return out;
}
