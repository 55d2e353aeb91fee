import { parseDuration } from "@ferry/sdk";
import { sorted } from "./compare.js";
import { formatDate, toDate } from "./date-format.js";
import { after, both, type Maybe } from "./maybe.js";
import { checkParsed, scanJson } from "./nesting.js";
import type { RenderBudget } from "./render-limits.js";
import { arg, argText, TEXT_FILTERS } from "./text-filters.js";
import { preview, stringify, toNumber } from "./values.js";

export type Callable = (args: unknown[], named: Record<string, unknown>) => unknown | Promise<unknown>;
/** Built-in filters and functions make strings and collections, so they spend the render's budget. */
export type Filter = (input: unknown, args: unknown[], named: Record<string, unknown>, budget: RenderBudget) => unknown | Promise<unknown>;
export type Builtin = (args: unknown[], named: Record<string, unknown>, budget: RenderBudget) => unknown | Promise<unknown>;

function length(input: unknown, b: RenderBudget): number {
  if (input === null || input === undefined) return 0;
  if (typeof input === "string" || Array.isArray(input)) return input.length;
  if (typeof input === "object") return b.keys(input, "length").length;
  return stringify(input).length;
}

/** a map's values, copied a thousand at a time (one step each) so that a big map's copy can pause */
async function valuesOf(map: object, b: RenderBudget, what: string): Promise<unknown[]> {
  const keys = b.keys(map, what);
  const out: unknown[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    out[i] = (map as Record<string, unknown>)[keys[i]];
    if ((i & 1023) === 1023) {
      b.charge(1024, what);
      if (b.due) await b.pause();
    }
  }
  b.charge(keys.length & 1023, what);
  return out;
}

/** `{ ...a, ...b }`, checked, and copied a thousand keys at a time so that a big merge can pause */
async function mergeMaps(sources: unknown[], b: RenderBudget): Promise<Record<string, unknown>> {
  const keyLists = sources.map((source) => (source === null || source === undefined ? [] : b.keys(Object(source), "merge")));
  copied(b, keyLists.reduce((n, keys) => n + keys.length, 0), "merge");
  const out: Record<string, unknown> = {};
  for (const [i, keys] of keyLists.entries()) {
    const source = Object(sources[i]) as Record<string, unknown>;
    for (let j = 0; j < keys.length; j++) {
      // defined, not assigned: a '__proto__' key is a key, as in a spread
      if (keys[j] === "__proto__") Object.defineProperty(out, keys[j], { value: source[keys[j]], enumerable: true, writable: true, configurable: true });
      else out[keys[j]] = source[keys[j]];
      if ((j & 1023) === 1023 && b.due) await b.pause();
    }
  }
  return out;
}

/** a list, a map's values or a string's characters: the latter two made, so counted */
function list(input: unknown, what: string, b: RenderBudget): Maybe<unknown[]> {
  if (Array.isArray(input)) return input;
  if (input && typeof input === "object") return valuesOf(input, b, what);
  if (typeof input === "string") {
    const n = codePoints(input, b.limits.maxCollectionSize);
    b.collection(n, `${what} of a string`);
    b.charge(n, what);
    return [...input];
  }
  throw new TypeError(`${what} expects a list, got '${preview(input)}'`);
}

/** how many characters `[...s]` makes, counting no further than just past `max` */
function codePoints(s: string, max: number): number {
  if (s.length <= max) return s.length;
  let n = 0;
  for (let i = 0; i < s.length && n <= max; i++, n++) if (s.charCodeAt(i) >= 0xd800 && s.charCodeAt(i) < 0xdc00) i++;
  return n;
}

/** a list filter's copy: checked, and counted as elements visited */
function copied(b: RenderBudget, size: number, what: string): void {
  b.collection(size, what);
  b.charge(size, what);
}

async function join(input: unknown, separator: unknown, b: RenderBudget): Promise<string> {
  const items = await list(input, "join", b);
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
  b.chars(length, "join");
  return parts.join(sep);
}

/** a date format's output, checked as it grows; one step per character of the pattern */
function formatWithin(b: RenderBudget, date: Date, format: string, timeZone: string, what: string): string {
  b.charge(format.length, what);
  return formatDate(date, format, timeZone, (length) => b.output(length, what));
}

/** JSON text parsed into a value within maxDepth and maxCollectionSize, refused before parsing when it can be */
async function parseJson(text: string, b: RenderBudget, what: string): Promise<unknown> {
  scanJson(text, b, what);
  const value: unknown = JSON.parse(text);
  await checkParsed(value, b, what);
  return value;
}

/** Pebble's core filters plus Kestra's additions (toJson, date, number, …). */
export const FILTERS: Record<string, Filter> = {
  ...TEXT_FILTERS,
  length: (v, _a, _n, b) => length(v, b),
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
  first: (v, _a, _n, b) => {
    if (typeof v === "string") return v.charAt(0);
    if (v && typeof v === "object" && !Array.isArray(v)) return (v as Record<string, unknown>)[b.keys(v, "first")[0]];
    return after(list(v, "first", b), (items) => items[0]);
  },
  last: (v, _a, _n, b) => {
    if (typeof v === "string") return v.charAt(v.length - 1);
    if (v && typeof v === "object" && !Array.isArray(v)) return (v as Record<string, unknown>)[b.keys(v, "last").at(-1)!];
    return after(list(v, "last", b), (items) => items[items.length - 1]);
  },
  join: (v, args, named, b) => join(v, arg(args, named, 0, "separator"), b),
  keys: (v, _a, _n, b) => {
    if (!v || typeof v !== "object") return [];
    const keys = b.keys(v, "keys");
    b.collection(keys.length, "keys");
    return keys;
  },
  values: async (v, _a, _n, b) => (v && typeof v === "object" ? valuesOf(v, b, "values") : []),
  reverse: async (v, _a, _n, b) => {
    const items = await list(v, "reverse", b);
    copied(b, items.length, "reverse");
    return typeof v === "string" ? items.reverse().join("") : [...items].reverse();
  },
  sort: async (v, _a, _n, b) => {
    const items = await list(v, "sort", b);
    copied(b, items.length, "sort");
    return sorted(items, b, "sort");
  },
  rsort: async (v, _a, _n, b) => {
    const items = await list(v, "rsort", b);
    copied(b, items.length, "rsort");
    return (await sorted(items, b, "rsort")).reverse();
  },
  unique: async (v, _a, _n, b) => {
    const items = await list(v, "unique", b);
    copied(b, items.length, "unique");
    const seen = new Set<string>();
    for (const item of items) {
      seen.add(await b.json(item, "unique"));
      if (b.due) await b.pause();
    }
    return [...seen].map((x) => JSON.parse(x));
  },
  slice: async (v, args, named, b) => {
    const from = Number(arg(args, named, 0, "fromIndex") ?? 0);
    const to = arg(args, named, 1, "toIndex");
    if (typeof v === "string") return v.slice(from, to === undefined ? undefined : Number(to));
    const out = (await list(v, "slice", b)).slice(from, to === undefined ? undefined : Number(to));
    b.charge(out.length, "slice");
    return out;
  },
  merge: async (v, args, _n, b) => {
    if (!Array.isArray(v)) return mergeMaps([v, args[0]], b);
    const more = await list(args[0], "merge", b);
    copied(b, v.length + more.length, "merge");
    return [...v, ...more];
  },
  date: (v, args, named, b) =>
    both(argText(arg(args, named, 0, "format") ?? "iso", b, "date"), argText(arg(args, named, 2, "timeZone") ?? "UTC", b, "date"), (format, timeZone) =>
      formatWithin(b, toDate(v), format, timeZone, "date"),
    ),
  dateAdd: async (v, args, named, b) => {
    const amount = toNumber(arg(args, named, 0, "amount"), "dateAdd");
    const unit = (await argText(arg(args, named, 1, "unit"), b, "dateAdd")).toUpperCase();
    const ms: Record<string, number> = { MILLIS: 1, SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000, WEEKS: 604_800_000 };
    const date = toDate(v);
    // months and years are calendar units (Java's ChronoUnit): the day of month is kept, clamped to the month's last day
    if (unit === "MONTHS" || unit === "YEARS") return addMonths(date, unit === "YEARS" ? amount * 12 : amount).toISOString();
    if (!(unit in ms)) throw new TypeError(`dateAdd: unknown unit '${preview(unit)}' (one of ${[...Object.keys(ms), "MONTHS", "YEARS"].join(", ")})`);
    return new Date(date.getTime() + amount * ms[unit]).toISOString();
  },
  timestamp: (v) => Math.floor(toDate(v).getTime() / 1000),
  timestampMilli: (v) => toDate(v).getTime(),
  duration: async (v, _a, _n, b) => {
    const text = await argText(v, b, "duration");
    // no duration is this long; refused without reading it (or quoting it whole)
    if (text.length > 100) throw new TypeError(`'${preview(text)}' is not an ISO-8601 duration`);
    return parseDuration(text);
  },
};

export const FUNCTIONS: Record<string, Builtin> = {
  now: (args, named, b) =>
    both(argText(arg(args, named, 0, "format") ?? "iso", b, "now()"), argText(arg(args, named, 1, "timeZone") ?? "UTC", b, "now()"), (format, timeZone) =>
      formatWithin(b, new Date(), format, timeZone, "now()"),
    ),
  fromJson: async (args, _n, b) => (args[0] === null || args[0] === undefined ? null : parseJson(await b.text(args[0], "fromJson"), b, "fromJson()")),
  json: async (args, _n, b) => {
    if (args[0] === null || args[0] === undefined) return null;
    if (typeof args[0] === "string") return parseJson(args[0], b, "json()");
    await checkParsed(args[0], b, "json()");
    return args[0];
  },
  range: (args, _n, b) => {
    const [from, to, step = 1] = args.map((a) => toNumber(a, "range"));
    if (step === 0 || Number.isNaN(step)) throw new TypeError(`range: step must not be ${step}`);
    // range is inclusive, as Pebble's; the size is known before a single element is made
    const span = (to - from) / step;
    const size = span >= 0 ? Math.floor(span) + 1 : 0;
    const what = `range(${args.map((a) => preview(a)).join(", ")})`;
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
