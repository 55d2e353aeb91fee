import { parseDuration } from "@ferry/sdk";
import { formatDate, toDate } from "./date-format.js";
import type { RenderBudget } from "./render-limits.js";
import { compare, stringify, toNumber } from "./values.js";

export type Callable = (args: unknown[], named: Record<string, unknown>) => unknown | Promise<unknown>;
/** Built-in filters and functions make strings and collections, so they spend the render's budget. */
export type Filter = (input: unknown, args: unknown[], named: Record<string, unknown>, budget: RenderBudget) => unknown | Promise<unknown>;
export type Builtin = (args: unknown[], named: Record<string, unknown>, budget: RenderBudget) => unknown | Promise<unknown>;

const arg = (args: unknown[], named: Record<string, unknown>, index: number, name: string): unknown =>
  named[name] !== undefined ? named[name] : args[index];

function length(input: unknown): number {
  if (input === null || input === undefined) return 0;
  if (typeof input === "string" || Array.isArray(input)) return input.length;
  if (typeof input === "object") return Object.keys(input).length;
  return stringify(input).length;
}

function list(input: unknown, what: string, b: RenderBudget): unknown[] {
  if (Array.isArray(input)) return input;
  if (input && typeof input === "object") return Object.values(input);
  if (typeof input === "string") {
    b.collection(codePoints(input, b.limits.maxCollectionSize), `${what} of a string`);
    return [...input];
  }
  throw new TypeError(`${what} expects a list, got '${stringify(input)}'`);
}

/** how many characters `[...s]` makes, counting no further than just past `max` */
function codePoints(s: string, max: number): number {
  if (s.length <= max) return s.length;
  let n = 0;
  for (let i = 0; i < s.length && n <= max; i++, n++) if (s.charCodeAt(i) >= 0xd800 && s.charCodeAt(i) < 0xdc00) i++;
  return n;
}

/** how many pieces `s.split(sep)` makes, counting no further than just past `max` */
function pieces(s: string, sep: string, max = Infinity): number {
  if (sep === "") return s.length;
  let n = 1;
  for (let at = s.indexOf(sep); at >= 0 && n <= max; at = s.indexOf(sep, at + sep.length)) n++;
  return n;
}

/** a list filter's copy: checked, and counted as elements visited */
function copied(b: RenderBudget, size: number, what: string): void {
  b.collection(size, what);
  b.charge(size, what);
}

/** applies `f` to the input as text: at once for a scalar, once a list or map is measured and printed */
function onText<T>(v: unknown, b: RenderBudget, f: (s: string) => T): T | Promise<T> {
  const text = b.text(v);
  return typeof text === "string" ? f(text) : text.then(f);
}

/** a string whose length a filter cannot know before making it, checked once made */
function made(b: RenderBudget, s: string, what: string): string {
  b.output(s.length, what);
  return s;
}

async function join(input: unknown, separator: unknown, b: RenderBudget): Promise<string> {
  const items = list(input, "join", b);
  const sep = await b.text(separator ?? "");
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const text = item !== null && typeof item === "object" ? await b.text(item, "join") : stringify(item);
    length += text.length + (i ? sep.length : 0);
    if (length > b.limits.maxOutputLength) b.output(length, `join of ${items.length} items`);
    parts.push(text);
    b.charge(1, "join");
    if (b.due) await b.pause();
  }
  return parts.join(sep);
}

/** Pebble's core filters plus Kestra's additions (toJson, date, number, …). */
export const FILTERS: Record<string, Filter> = {
  // upper case can grow a string (ß → SS)
  upper: (v, _a, _n, b) => onText(v, b, (s) => made(b, s.toUpperCase(), "upper")),
  lower: (v, _a, _n, b) => onText(v, b, (s) => s.toLowerCase()),
  capitalize: (v, _a, _n, b) => onText(v, b, (s) => s.charAt(0).toUpperCase() + s.slice(1)),
  title: (v, _a, _n, b) => onText(v, b, (s) => made(b, s.replace(/(^|\s)(\S)/g, (_, x: string, y: string) => x + y.toUpperCase()), "title")),
  trim: (v, _a, _n, b) => onText(v, b, (s) => s.trim()),
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
  toJson: (v, _a, _n, b) => b.json(v),
  json: (v, _a, _n, b) => b.json(v),
  first: (v, _a, _n, b) => (typeof v === "string" ? v.charAt(0) : list(v, "first", b)[0]),
  last: (v, _a, _n, b) => {
    if (typeof v === "string") return v.charAt(v.length - 1);
    const items = list(v, "last", b);
    return items[items.length - 1];
  },
  join: (v, args, named, b) => join(v, arg(args, named, 0, "separator"), b),
  split: async (v, args, named, b) => {
    const s = await b.text(v);
    const sep = stringify(arg(args, named, 0, "delimiter"));
    copied(b, pieces(s, sep, b.limits.maxCollectionSize), "split");
    return s.split(sep);
  },
  replace: async (v, args, named, b) => {
    let s = await b.text(v);
    const map = arg(args, named, 0, "replace_pairs");
    if (map && typeof map === "object") {
      for (const [from, value] of Object.entries(map)) {
        const to = await b.text(value);
        // every `from` becomes a `to` (an empty `from` goes between characters, as split does)
        const found = Math.max(0, pieces(s, from) - 1);
        if (from === "") b.collection(s.length, "replace");
        b.charge(found, "replace");
        b.output(s.length + found * (to.length - from.length), "replace");
        s = from === "" ? s.split("").join(to) : s.replaceAll(from, () => to);
      }
    }
    return s;
  },
  keys: (v, _a, _n, b) => (v && typeof v === "object" ? (copied(b, Object.keys(v).length, "keys"), Object.keys(v)) : []),
  values: (v, _a, _n, b) => (v && typeof v === "object" ? (copied(b, Object.keys(v).length, "values"), Object.values(v)) : []),
  reverse: (v, _a, _n, b) => {
    const items = list(v, "reverse", b);
    copied(b, items.length, "reverse");
    return typeof v === "string" ? items.reverse().join("") : [...items].reverse();
  },
  sort: (v, _a, _n, b) => {
    const items = list(v, "sort", b);
    copied(b, items.length, "sort");
    return [...items].sort(compare);
  },
  rsort: (v, _a, _n, b) => {
    const items = list(v, "rsort", b);
    copied(b, items.length, "rsort");
    return [...items].sort(compare).reverse();
  },
  unique: async (v, _a, _n, b) => {
    const items = list(v, "unique", b);
    copied(b, items.length, "unique");
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(await b.json(item, "unique"));
      if (b.due) await b.pause();
    }
    return [...seen].map((x) => JSON.parse(x));
  },
  slice: (v, args, named, b) => {
    const from = Number(arg(args, named, 0, "fromIndex") ?? 0);
    const to = arg(args, named, 1, "toIndex");
    if (typeof v === "string") return v.slice(from, to === undefined ? undefined : Number(to));
    const out = list(v, "slice", b).slice(from, to === undefined ? undefined : Number(to));
    b.charge(out.length, "slice");
    return out;
  },
  abbreviate: (v, args, named) => {
    const s = stringify(v);
    const n = Number(arg(args, named, 0, "length"));
    return s.length <= n ? s : s.slice(0, Math.max(0, n - 3)) + "...";
  },
  merge: (v, args, _n, b) => {
    if (Array.isArray(v)) {
      const more = list(args[0], "merge", b);
      copied(b, v.length + more.length, "merge");
      return [...v, ...more];
    }
    const size = (o: unknown) => (o && typeof o === "object" ? Object.keys(o).length : 0);
    copied(b, size(v) + size(args[0]), "merge");
    return { ...(v as object), ...(args[0] as object) };
  },
  startsWith: (v, args) => stringify(v).startsWith(stringify(args[0])),
  endsWith: (v, args) => stringify(v).endsWith(stringify(args[0])),
  urlencode: (v, _a, _n, b) => onText(v, b, (s) => made(b, encodeURIComponent(s), "urlencode")),
  urldecode: (v) => decodeURIComponent(stringify(v)),
  base64encode: async (v, _a, _n, b) => {
    const s = await b.text(v);
    b.output(Math.ceil(Buffer.byteLength(s, "utf8") / 3) * 4, "base64encode");
    return Buffer.from(s, "utf8").toString("base64");
  },
  base64decode: (v) => Buffer.from(stringify(v), "base64").toString("utf8"),
  slugify: (v, _a, _n, b) => onText(v, b, (s) => s.toLowerCase().normalize("NFKD").replace(/[^\w\s-]/g, "").trim().replace(/[\s_-]+/g, "-")),
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

export const FUNCTIONS: Record<string, Builtin> = {
  now: (args, named) => {
    const format = arg(args, named, 0, "format");
    const timeZone = stringify(arg(args, named, 1, "timeZone") ?? "UTC");
    return formatDate(new Date(), stringify(format ?? "iso"), timeZone);
  },
  fromJson: (args) => (args[0] === null || args[0] === undefined ? null : JSON.parse(stringify(args[0]))),
  json: (args) => (args[0] === null || args[0] === undefined ? null : typeof args[0] === "string" ? JSON.parse(args[0]) : args[0]),
  range: (args, _n, b) => {
    const [from, to, step = 1] = args.map((a) => toNumber(a, "range"));
    if (step === 0 || Number.isNaN(step)) throw new TypeError(`range: step must not be ${step}`);
    // range is inclusive, as Pebble's; the size is known before a single element is made
    const span = (to - from) / step;
    const size = span >= 0 ? Math.floor(span) + 1 : 0;
    const what = `range(${args.map(stringify).join(", ")})`;
    copied(b, size, what);
    const out: number[] = [];
    for (let i = from; out.length < size && (step > 0 ? i <= to : i >= to); i += step) out.push(i);
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
