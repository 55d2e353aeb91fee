import { JavaDouble, newId, parseDuration } from "@ferry/sdk";
import { equals, sorted } from "./compare.js";
import { DATA_FILTERS, DATA_FUNCTIONS } from "./data-filters.js";
import { decrypt, encrypt } from "./crypto-functions.js";
import { datafaker } from "./datafaker-function.js";
import { id, ksuid, nanoId } from "./id-functions.js";
import { DATE_FILTERS, DATE_FUNCTIONS } from "./date-filters.js";
import { ExpressionError } from "./expression.error.js";
import { javaString } from "./java-text.js";
import { NETWORK_FUNCTIONS } from "./network-functions.js";
import { CALENDAR_FUNCTIONS } from "./calendar-functions.js";
import { REGEX_FILTERS } from "./regex-filters.js";
import { after, type Maybe } from "./maybe.js";
import type { RenderBudget } from "./render-limits.js";
import { arg, argText, TEXT_FILTERS } from "./text-filters.js";
import { preview, stringify, toNumber } from "./values.js";

/** what a context function learns of the render calling it */
export interface CallInfo {
  /** the execution's variables (flow, execution, inputs, taskrun, parents…) */
  variables: Record<string, unknown>;
  /** how long the render may still run (render.timeoutMs): how long a function may wait */
  remainingMs: number;
  /** render.maxOutputLength: what a function reading text (a file) may return at most */
  maxOutputLength: number;
}

export type Callable = (args: unknown[], named: Record<string, unknown>, call?: CallInfo) => unknown | Promise<unknown>;
/** Built-in filters and functions make strings and collections, so they spend the render's budget. */
export type Filter = (input: unknown, args: unknown[], named: Record<string, unknown>, budget: RenderBudget) => unknown | Promise<unknown>;
export type Builtin = (args: unknown[], named: Record<string, unknown>, budget: RenderBudget) => unknown | Promise<unknown>;

/** Pebble's LengthFilter: characters, elements or entries; 0 for null and anything else */
function length(input: unknown, b: RenderBudget): number {
  if (input === null || input === undefined) return 0;
  if (typeof input === "string" || Array.isArray(input)) return input.length;
  if (typeof input === "object" && !(input instanceof Uint8Array)) return b.keys(input, "length").length;
  return 0;
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
    // StringBuilder.append: Java's toString (null is "null", a list `[a, b]`), measured first
    if (item !== null && typeof item === "object") await b.json(item, "join");
    const text = item === null || item === undefined ? "null" : typeof item === "string" ? item : javaString(item, b.limits.maxOutputLength + 1);
    length += text.length + (i ? sep.length : 0);
    if (length > b.limits.maxOutputLength) b.output(length, `join of ${items.length} items`);
    parts.push(text);
    b.charge(1, "join");
    if (b.due) await b.pause();
  }
  b.chars(length, "join");
  return parts.join(sep);
}

const nullSafe =
  (f: Filter): Filter =>
  (v, args, named, b) =>
    v === null || v === undefined ? null : f(v, args, named, b);

/** a whole-number argument (a size, an index) */
function whole(value: unknown, what: string): number {
  if (typeof value === "number" && Number.isInteger(value)) return value;
  if (typeof value === "bigint") return Number(value);
  throw new ExpressionError(`${what} must be a whole number, got '${preview(value)}'`);
}

/** Pebble's SliceFilter: from 0 and to the end by default, both within the input, to after from */
function sliceBounds(length: number, args: unknown[], named: Record<string, unknown>): [number, number] {
  const fromArg = arg(args, named, 0, "fromIndex");
  const toArg = arg(args, named, 1, "toIndex");
  const from = fromArg === undefined || fromArg === null ? 0 : whole(fromArg, "slice: fromIndex");
  if (from < 0) throw new ExpressionError("slice: fromIndex must be greater than 0");
  if (toArg === undefined || toArg === null) return [from, length];
  const to = whole(toArg, "slice: toIndex");
  if (to > length) throw new ExpressionError(`slice: toIndex must be smaller than input size: ${length}`);
  if (from >= to) throw new ExpressionError("slice: toIndex must be greater than fromIndex");
  return [from, to];
}

/** Pebble's MergeFilter: the left side decides the result's kind; a list takes a map's entries, a map takes a list's items as keys */
async function merge(v: unknown, items: unknown, b: RenderBudget): Promise<unknown> {
  if (v === null || v === undefined) {
    if (items === null || items === undefined) throw new ExpressionError("merge: the two arguments to be merged are null");
    return items;
  }
  if (items === null || items === undefined) return v;
  if (Array.isArray(v)) {
    if (!items || typeof items !== "object") throw new ExpressionError(`merge: only maps and lists can be merged with a list, got '${preview(items)}'`);
    const more = Array.isArray(items) ? items : Object.entries(items).map(([k, value]) => ({ [k]: value }));
    copied(b, v.length + more.length, "merge");
    return [...v, ...more];
  }
  if (typeof v !== "object") throw new ExpressionError(`merge: the object being filtered is not a map or a list: '${preview(v)}'`);
  if (Array.isArray(items)) return mergeMaps([v, Object.fromEntries(items.map((item) => [stringify(item), item]))], b);
  if (typeof items !== "object") throw new ExpressionError(`merge: only maps and lists can be merged with a map, got '${preview(items)}'`);
  return mergeMaps([v, items], b);
}

/** DistinctFilter: a list without its repeated elements, the first of each kept; null is the text "null" */
async function distinct(v: unknown, b: RenderBudget): Promise<unknown> {
  if (v === null || v === undefined) return "null";
  if (!Array.isArray(v)) throw new ExpressionError(`distinct: input must be a list, but received: '${preview(v)}'`);
  copied(b, v.length, "distinct");
  const seen = new Map<string, unknown[]>();
  const out: unknown[] = [];
  for (const item of v) {
    // bucketed by a cheap key; equal lists and maps are compared in full
    const key = item !== null && typeof item === "object" ? "object" : `${typeof item}:${String(item)}`;
    const bucket = seen.get(key) ?? [];
    let found = false;
    for (const other of bucket) if (!found && (await equals(item, other, b, "distinct"))) found = true;
    if (!found) {
      bucket.push(item);
      seen.set(key, bucket);
      out.push(item);
    }
    if (b.due) await b.pause();
  }
  return out;
}

/** Pebble's core filters plus Kestra's additions (toJson, date, number, chunk, …). */
export const FILTERS: Record<string, Filter> = {
  ...TEXT_FILTERS,
  ...DATE_FILTERS,
  ...DATA_FILTERS,
  ...REGEX_FILTERS,
  length: (v, _a, _n, b) => length(v, b),
  abs: nullSafe((v) => {
    if (typeof v === "bigint") return v < 0n ? -v : v;
    // AbsFilter: a Double stays a Double
    if (v instanceof JavaDouble) return new JavaDouble(Math.abs(v.value));
    if (typeof v !== "number") throw new ExpressionError(`abs: '${preview(v)}' is not a number`);
    return Math.abs(v);
  }),
  round: (v, args, named) => {
    const precision = Number(arg(args, named, 0, "precision") ?? 0);
    const f = 10 ** precision;
    return Math.round(toNumber(v, "round") * f) / f;
  },
  first: (v, _a, _n, b) => {
    if (v === null || v === undefined) return null;
    if (typeof v === "string") return v.charAt(0);
    if (v && typeof v === "object" && !Array.isArray(v)) return (v as Record<string, unknown>)[b.keys(v, "first")[0]];
    return after(list(v, "first", b), (items) => items[0] ?? null);
  },
  last: (v, _a, _n, b) => {
    if (v === null || v === undefined) return null;
    if (typeof v === "string") return v.charAt(v.length - 1);
    if (v && typeof v === "object" && !Array.isArray(v)) return (v as Record<string, unknown>)[b.keys(v, "last").at(-1)!];
    return after(list(v, "last", b), (items) => items[items.length - 1] ?? null);
  },
  join: nullSafe((v, args, named, b) => join(v, arg(args, named, 0, "separator"), b)),
  keys: nullSafe((v, _a, _n, b) => {
    if (Array.isArray(v)) {
      copied(b, v.length, "keys");
      return v.map((_, i) => i);
    }
    if (typeof v !== "object") throw new ExpressionError(`'keys' filter can only be applied to List, Map, Array. Got '${preview(v)}'`);
    const keys = b.keys(v as object, "keys");
    b.collection(keys.length, "keys");
    return keys;
  }),
  values: nullSafe(async (v, _a, _n, b) => {
    if (typeof v !== "object" || Array.isArray(v)) throw new ExpressionError(`'values' filter can only be applied to a map. Got '${preview(v)}'`);
    return valuesOf(v as object, b, "values");
  }),
  reverse: nullSafe(async (v, _a, _n, b) => {
    const items = await list(v, "reverse", b);
    copied(b, items.length, "reverse");
    return typeof v === "string" ? items.reverse().join("") : [...items].reverse();
  }),
  sort: nullSafe(async (v, _a, _n, b) => {
    const items = await list(v, "sort", b);
    copied(b, items.length, "sort");
    return sorted(items, b, "sort");
  }),
  rsort: nullSafe(async (v, _a, _n, b) => {
    const items = await list(v, "rsort", b);
    copied(b, items.length, "rsort");
    return (await sorted(items, b, "rsort")).reverse();
  }),
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
  distinct: (v, _a, _n, b) => distinct(v, b),
  chunk: nullSafe((v, args, named, b) => {
    const size = whole(arg(args, named, 0, "size"), "chunk: size");
    if (!Array.isArray(v)) throw new ExpressionError(`'chunk' filter can only be applied to List. Got '${preview(v)}'`);
    if (size <= 0) throw new ExpressionError(`chunk: size must be greater than 0, got ${size}`);
    copied(b, v.length, "chunk");
    const out: unknown[][] = [];
    for (let i = 0; i < v.length; i += size) out.push(v.slice(i, i + size));
    return out;
  }),
  flatten: nullSafe((v, _a, _n, b) => {
    if (!Array.isArray(v)) throw new ExpressionError(`The 'flatten' filter can only be applied to lists. Got '${preview(v)}'`);
    const size = v.reduce<number>((n, item) => n + (Array.isArray(item) ? item.length : 1), 0);
    copied(b, size, "flatten");
    return v.flatMap((item) => (Array.isArray(item) ? item : [item]));
  }),
  slice: nullSafe(async (v, args, named, b) => {
    if (typeof v === "string") {
      const [from, to] = sliceBounds(v.length, args, named);
      return v.slice(from, to);
    }
    if (!Array.isArray(v)) throw new ExpressionError(`Slice filter can only be applied to String, List and array inputs. Got '${preview(v)}'`);
    const [from, to] = sliceBounds(v.length, args, named);
    b.charge(to - from, "slice");
    return v.slice(from, to);
  }),
  merge: (v, args, named, b) => merge(v, arg(args, named, 0, "items"), b),
  duration: async (v, _a, _n, b) => {
    const text = await argText(v, b, "duration");
    // no duration is this long; refused without reading it (or quoting it whole)
    if (text.length > 100) throw new TypeError(`'${preview(text)}' is not an ISO-8601 duration`);
    return parseDuration(text);
  },
};

/** Kestra's BoundedRangeFunction.MAX_RANGE_SIZE */
const MAX_RANGE_SIZE = 1_000_000;

export const FUNCTIONS: Record<string, Builtin> = {
  ...DATE_FUNCTIONS,
  ...DATA_FUNCTIONS,
  ...NETWORK_FUNCTIONS,
  ...CALENDAR_FUNCTIONS,
  range: (args, named, b) => {
    const given = [arg(args, named, 0, "start"), arg(args, named, 1, "end"), arg(args, named, 2, "increment")].filter((a) => a !== undefined);
    const [from, to, step = 1] = given.map((a) => toNumber(a, "range"));
    if (step === 0 || Number.isNaN(step)) throw new TypeError(`range: step must not be ${step}`);
    // range is inclusive, as Pebble's; the size is known before a single element is made
    const span = (to - from) / step;
    const size = span >= 0 ? Math.floor(span) + 1 : 0;
    // BoundedRangeFunction: |end - start| / |increment| + 1 in longs, whichever the direction, at most a million
    const requested = Math.floor(Math.abs(Math.trunc(to) - Math.trunc(from)) / Math.abs(Math.trunc(step) || 1)) + 1;
    if (Math.trunc(step) !== 0 && requested > MAX_RANGE_SIZE) {
      throw new ExpressionError(`The range function cannot produce more than ${MAX_RANGE_SIZE} elements, but this call would produce ${requested}.`);
    }
    const what = `range(${given.map((a) => preview(a)).join(", ")})`;
    copied(b, size, what);
    const out: number[] = [];
    for (let i = from; out.length < size && (step > 0 ? i <= to : i >= to); i += step) out.push(i);
    return out;
  },
  max: (args) => Math.max(...args.map((a) => toNumber(a, "max"))),
  min: (args) => Math.min(...args.map((a) => toNumber(a, "min"))),
  // Kestra's UUIDFunction: a time-based UUID (version 7), 36 characters (UUIDFunctionTest)
  uuid: () => newId(),
  nanoId,
  datafaker,
  ksuid,
  id,
  encrypt,
  decrypt,
  // RandomIntFunction: two whole numbers (Longs; a text or a double is refused), upper excluded unless it equals lower
  randomInt: (args, named) => {
    const bound = (index: number, name: string): number => {
      const v = arg(args, named, index, name);
      if (v === undefined) throw new ExpressionError(`The 'randomIn()' function expects an argument ${name}`);
      if (typeof v !== "number" || !Number.isInteger(v)) throw new ExpressionError(`The 'randomIn()' function expects an argument ${name} of type Long.`);
      return v;
    };
    const lo = bound(0, "lower");
    const hi = bound(1, "upper");
    if (hi < lo) throw new ExpressionError("In 'randomIn()' upper is less than lower");
    return lo + Math.floor(Math.random() * (hi - lo));
  },
};
