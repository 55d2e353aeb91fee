import { ExpressionError, RenderLimitError } from "./expression.error.js";
import { stringify } from "./values.js";

/**
 * What one top-level render (renderString, renderValue, evaluateExpression) may spend. The
 * defaults are far above what a real flow renders; they exist so that a template such as
 * `{{ range(0, inputs.n) | join(',') }}` fails with an error instead of taking the process down.
 */
export interface RenderLimits {
  /** characters of one rendered string, or of any string made on the way */
  maxOutputLength: number;
  /** elements of any list or map a range, operator or filter makes */
  maxCollectionSize: number;
  /** loop iterations plus elements visited by filters, over the whole render */
  maxIterations: number;
  /** nesting of templates and expressions, and of values rendered or printed */
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

// so that other executions, timers and I/O get their turn during a long render
const YIELD_EVERY = 10_000;
const yieldToLoop: () => Promise<void> =
  typeof setImmediate === "function" ? () => new Promise((resolve) => setImmediate(resolve)) : () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * The budget of one top-level render, shared by everything it renders. Sizes are checked before
 * a string or collection is made, so a refused render never allocated what it asked for.
 */
export class RenderBudget {
  readonly limits: Readonly<RenderLimits>;
  private iterations = 0;
  private sincePause = 0;
  private readonly startedAt = Date.now();

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

  /** counts `n` units of work: loop iterations, elements a filter visits */
  charge(n: number, what: string): void {
    this.iterations += n;
    this.sincePause += n;
    if (this.iterations > this.limits.maxIterations) {
      this.exceeded("maxIterations", `${what} took the render past ${this.limits.maxIterations} steps (loop iterations and elements visited)`);
    }
  }

  /** whether enough work was done since the last pause to let the event loop run */
  get due(): boolean {
    return this.sincePause >= YIELD_EVERY;
  }

  async pause(): Promise<void> {
    this.sincePause = 0;
    await yieldToLoop();
    this.check();
  }

  /**
   * One loop iteration (or `n` units): counts it and, every 10,000, yields and checks the
   * time and the signal. Returns a promise only then, so a hot loop awaits only when due.
   */
  step(n: number, what: string): Promise<void> | undefined {
    this.charge(n, what);
    return this.due ? this.pause() : undefined;
  }

  /** stops the render when its time is up or its task was aborted */
  check(): void {
    if (this.signal?.aborted) throw abortError(this.signal.reason);
    const elapsed = Date.now() - this.startedAt;
    if (elapsed > this.limits.timeoutMs) this.exceeded("timeoutMs", `the render ran for ${elapsed} ms`);
  }

  /** an error that must pass through untouched: the abort reason itself */
  isAbort(error: unknown): boolean {
    return this.signal?.aborted === true && error === this.signal.reason;
  }

  /** `stringify`, with lists and maps measured before they are printed as JSON; scalars at once */
  text(value: unknown, what = "printing a value"): string | Promise<string> {
    if (value === null || typeof value !== "object" || value instanceof Date) return stringify(value);
    return this.json(value, what);
  }

  /** JSON.stringify, measured first (size and depth) so an oversized value is never printed */
  async json(value: unknown, what = "toJson"): Promise<string> {
    if (typeof value === "string") this.output(value.length + 2, what);
    else if (value !== null && typeof value === "object" && !(value instanceof Date)) await this.measure(value, what);
    const out = JSON.stringify(value ?? null) ?? "null";
    this.output(out.length, what);
    return out;
  }

  // a lower bound of the JSON length, walked without recursion; stops as soon as it is too long
  private async measure(root: object, what: string): Promise<void> {
    const max = this.limits.maxOutputLength;
    let length = 0;
    const frames: Array<{ items: unknown[]; i: number }> = [];
    const open = (value: unknown) => {
      if (typeof value === "string") length += value.length + 2;
      else if (typeof value === "number") length += String(value).length;
      else if (value instanceof Date) length += 26;
      else if (value !== null && typeof value === "object") {
        this.depth(frames.length + 1, what);
        if (Array.isArray(value)) {
          length += 1 + value.length;
          frames.push({ items: value, i: 0 });
        } else {
          const keys = Object.keys(value);
          length += 1 + keys.length;
          for (const key of keys) length += key.length + 3;
          frames.push({ items: keys.map((k) => (value as Record<string, unknown>)[k]), i: 0 });
        }
      } else length += 4;
    };
    open(root);
    while (frames.length) {
      if (length > max) this.exceeded("maxOutputLength", `${what} would make a string of more than ${max} characters`);
      const top = frames[frames.length - 1];
      if (top.i >= top.items.length) {
        frames.pop();
        continue;
      }
      this.charge(1, what);
      if (this.due) await this.pause();
      open(top.items[top.i++]);
    }
  }
}

// the reason as thrown: an Error as it is (a task's TimeoutError keeps its kind), anything else named in one
function abortError(reason: unknown): Error {
  return reason instanceof Error ? reason : new ExpressionError(`render aborted: ${String(reason)}`);
}
