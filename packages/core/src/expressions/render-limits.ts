import { JavaDouble, javaDoubleText, stringifyJson } from "@ferry/sdk";
import { ExpressionError, RenderLimitError } from "./expression.error.js";
import { Entry } from "./java-text.js";
import { stringify } from "./values.js";

/**
 * What one top-level render (renderString, renderValue, evaluateExpression) may spend. The
 * defaults are far above what a real flow renders; they exist so that a template such as
 * `{{ range(0, inputs.n) | join(',') }}` fails with an error instead of taking the process down.
 */
export interface RenderLimits {
  /** characters of one rendered string, or of any string made on the way */
  maxOutputLength: number;
  /** elements of any list or map a range, operator or filter makes, or parsed JSON holds */
  maxCollectionSize: number;
  /**
   * steps over the whole render: loop iterations, elements visited (by filters, comparisons,
   * printing and parsing) and characters processed, one step per CHARS_PER_STEP of them
   */
  maxIterations: number;
  /** nesting of tags and expression trees (checked as they parse), and of values made, parsed, rendered or printed */
  maxDepth: number;
  /** wall time of the whole render, in milliseconds */
  timeoutMs: number;
}

export const DEFAULT_RENDER_LIMITS: Readonly<RenderLimits> = Object.freeze({
  maxOutputLength: 10_000_000,
  maxCollectionSize: 1_000_000,
  maxIterations: 10_000_000,
  maxDepth: 200,
  timeoutMs: 5000,
});

let processLimits: Readonly<RenderLimits> = DEFAULT_RENDER_LIMITS;

function merged(base: Readonly<RenderLimits>, override: Partial<RenderLimits> | undefined): RenderLimits {
  const out = { ...base };
  for (const [key, value] of Object.entries(override ?? {}) as Array<[keyof RenderLimits, number | undefined]>) {
    if (value === undefined) continue;
    if (!(key in DEFAULT_RENDER_LIMITS)) throw new TypeError(`unknown render limit '${key}'`);
    if (!(value > 0)) throw new TypeError(`render.${key} must be a positive number, got ${value}`);
    out[key] = value;
  }
  return out;
}

/**
 * Sets the limits every render starts from, once, at a composition root (from ferry.yaml's
 * `render` section). Unset keys keep their defaults; a RenderContext's own `limits` win.
 */
export function configureRenderLimits(limits: Partial<RenderLimits>): void {
  processLimits = Object.freeze(merged(DEFAULT_RENDER_LIMITS, limits));
}

/** The limits renders start from in this process. */
export function processRenderLimits(): Readonly<RenderLimits> {
  return processLimits;
}

/** how many characters processed count as one step (one element visited, one loop iteration) */
export const CHARS_PER_STEP = 16;
// steps between looks at the clock and the signal, so that a render ends on time even between yields
const CHECK_EVERY = 1000;
// steps between yields, so that other executions, timers and I/O get their turn during a long render
const YIELD_EVERY = 10_000;
const yieldToLoop: () => Promise<void> =
  typeof setImmediate === "function" ? () => new Promise((resolve) => setImmediate(resolve)) : () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The budget of one top-level render, shared by everything it renders.
 *
 * Sizes: a string or collection whose size is known beforehand (range, `..`, split, merge,
 * printing as JSON, parsing JSON) is checked before it is made, so a refused render never
 * allocated it; strings that filters make a piece or a batch at a time (join, replace, upper,
 * lower, title, urlencode, slugify, date formats) are checked as they grow; and every string or
 * list a built-in filter or function returns is checked again when it returns.
 *
 * Work is counted in steps (`charge`): a loop iteration, an element visited, CHARS_PER_STEP
 * characters read or written. An operation charges for the size of what it reads, just before or
 * just after reading it, and every step counts towards maxIterations. `charge` also reads the
 * clock and the signal once CHECK_EVERY (1,000) steps were charged since they were last read (at
 * once after a single charge that large), throwing for timeoutMs or an abort even in code that
 * never awaits, such as a sort's comparator. Once YIELD_EVERY (10,000) steps were charged since
 * the last pause, `due` is true, and the evaluator (before each expression node), loops and the
 * long walks (JSON printing and parsing, comparisons, text filters) await `pause()`, which yields
 * to the event loop and then reads the clock and the signal again.
 */
export class RenderBudget {
  readonly limits: Readonly<RenderLimits>;
  private iterations = 0;
  private sincePause = 0;
  private sinceCheck = 0;
  private readonly startedAt = Date.now();
  /** the values secret() returned in this render: render() never renders them as templates */
  readonly secrets = new Set<string>();

  constructor(overrides: Partial<RenderLimits> | undefined, private readonly signal?: AbortSignal) {
    this.limits = overrides ? merged(processLimits, overrides) : processLimits;
    this.check();
  }

  exceeded(limit: keyof RenderLimits, detail: string): never {
    throw new RenderLimitError(limit, this.limits[limit], detail);
  }

  /** before making a collection of `size` elements */
  collection(size: number, what: string): void {
    if (!(size <= this.limits.maxCollectionSize)) this.exceeded("maxCollectionSize", `${what} would make ${size} elements`);
  }

  /** before making a string of `length` characters */
  output(length: number, what: string): void {
    if (length > this.limits.maxOutputLength) this.exceeded("maxOutputLength", `${what} would make a string of ${length} characters`);
  }

  depth(depth: number, what: string): void {
    if (depth > this.limits.maxDepth) this.exceeded("maxDepth", `${what} nests deeper than ${this.limits.maxDepth} levels`);
  }

  /** counts `n` steps of work; looks at the clock and the signal every CHECK_EVERY steps */
  charge(n: number, what: string): void {
    this.iterations += n;
    this.sincePause += n;
    if (this.iterations > this.limits.maxIterations) {
      this.exceeded("maxIterations", `${what} took the render past ${this.limits.maxIterations} steps (loop iterations, elements visited and characters processed)`);
    }
    this.sinceCheck += n;
    if (this.sinceCheck >= CHECK_EVERY) this.check();
  }

  /** counts processing `length` characters: one step per CHARS_PER_STEP */
  chars(length: number, what: string): void {
    if (length >= CHARS_PER_STEP) this.charge(Math.floor(length / CHARS_PER_STEP), what);
  }

  /** a map's keys, one step each (V8 takes about half a microsecond a key to list a big map's) */
  keys(map: object, what: string): string[] {
    const keys = Object.keys(map);
    this.charge(keys.length, what);
    return keys;
  }

  /** whether YIELD_EVERY steps were charged since the last pause, so the event loop should run */
  get due(): boolean {
    return this.sincePause >= YIELD_EVERY;
  }

  async pause(): Promise<void> {
    this.sincePause = 0;
    await yieldToLoop();
    this.check();
  }

  /**
   * One loop iteration (or `n` steps): charges it and, when due, pauses. Returns a promise only
   * then, so a hot loop awaits only every YIELD_EVERY steps.
   */
  step(n: number, what: string): Promise<void> | undefined {
    this.charge(n, what);
    return this.due ? this.pause() : undefined;
  }

  /** stops the render when its time is up or its task was aborted */
  check(): void {
    this.sinceCheck = 0;
    if (this.signal?.aborted) throw abortError(this.signal.reason);
    const elapsed = Date.now() - this.startedAt;
    if (elapsed > this.limits.timeoutMs) this.exceeded("timeoutMs", `the render ran for ${elapsed} ms`);
  }

  /** milliseconds left of timeoutMs: how long a function may wait for what it needs (errorLogs) */
  remainingMs(): number {
    return Math.max(0, this.limits.timeoutMs - (Date.now() - this.startedAt));
  }

  /** an error that must pass through untouched: the abort reason itself */
  isAbort(error: unknown): boolean {
    return this.signal?.aborted === true && error === this.signal.reason;
  }

  /** `stringify`, with lists and maps measured before they are printed as JSON; scalars at once */
  text(value: unknown, what = "printing a value"): string | Promise<string> {
    if (value === null || typeof value !== "object" || value instanceof Date || value instanceof JavaDouble) return stringify(value);
    if (value instanceof Entry || value instanceof Uint8Array) {
      const text = stringify(value);
      this.output(text.length, what);
      return text;
    }
    return this.json(value, what);
  }

  /**
   * JSON.stringify, measured first (size and depth, one step per element) so an oversized or
   * too deep value is never printed; the printed text is charged too. A promise only when the
   * walk paused.
   */
  json(value: unknown, what = "toJson"): string | Promise<string> {
    if (typeof value === "string") this.output(value.length + 2, what);
    else if (value !== null && typeof value === "object" && !(value instanceof Date) && !(value instanceof JavaDouble)) {
      const walk = this.measure(value, what);
      if (walk) return walk.then(() => this.print(value, what));
    }
    return this.print(value, what);
  }

  private print(value: unknown, what: string): string {
    let out: string;
    try {
      // Jackson's text: a whole Double keeps its `.0`
      out = stringifyJson(value ?? null) ?? "null";
    } catch (error) {
      // measured, so only a maxDepth configured past what JSON.stringify can recurse gets here
      if (error instanceof RangeError) this.exceeded("maxDepth", `${what} nests too deep to print`);
      // a Long past 2^53 (a timestamp in nanoseconds, number('LONG')) prints as its digits
      if (error instanceof TypeError && /BigInt/.test(error.message)) out = jsonWithBigInts(value);
      else throw error;
    }
    this.output(out.length, what);
    this.chars(out.length, what);
    return out;
  }

  // a lower bound of the JSON length, walked without recursion; stops as soon as it is too long
  private measure(root: object, what: string): Promise<void> | undefined {
    const max = this.limits.maxOutputLength;
    let length = 0;
    // a map's values are looked up as the walk reaches them
    const frames: Array<{ value: object; keys?: string[]; size: number; i: number }> = [];
    const open = (value: unknown) => {
      if (typeof value === "string") length += value.length + 2;
      else if (typeof value === "number") length += String(value).length;
      else if (value instanceof JavaDouble) length += String(value.value).length + 2;
      else if (value instanceof Date) length += 26;
      else if (value !== null && typeof value === "object") {
        this.depth(frames.length + 1, what);
        if (Array.isArray(value)) {
          length += 1 + value.length;
          frames.push({ value, size: value.length, i: 0 });
        } else {
          const keys = Object.keys(value);
          length += 1 + keys.length;
          for (const key of keys) length += key.length + 3;
          frames.push({ value, keys, size: keys.length, i: 0 });
        }
      } else length += 4;
    };
    const walk = (): Promise<void> | undefined => {
      while (frames.length) {
        if (length > max) this.exceeded("maxOutputLength", `${what} would make a string of more than ${max} characters`);
        const top = frames[frames.length - 1];
        if (top.i >= top.size) {
          frames.pop();
          continue;
        }
        this.charge(1, what);
        const i = top.i++;
        open(top.keys ? (top.value as Record<string, unknown>)[top.keys[i]] : (top.value as unknown[])[i]);
        if (this.due) return this.pause().then(walk);
      }
      return undefined;
    };
    open(root);
    return walk();
  }
}

function jsonWithBigInts(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    if (raw instanceof JavaDouble && Number.isFinite(raw.value)) return `\u0000big${marks.push(javaDoubleText(raw.value)) - 1}\u0000`;
    return typeof v === "bigint" ? `\u0000big${marks.push(v.toString()) - 1}\u0000` : v;
  });
  return text.replace(/"\\u0000big(\d+)\\u0000"/g, (_, i: string) => marks[Number(i)]);
}

// the reason as thrown: an Error as it is (a task's TimeoutError keeps its kind), anything else named in one
function abortError(reason: unknown): Error {
  return reason instanceof Error ? reason : new ExpressionError(`render aborted: ${String(reason)}`);
}
