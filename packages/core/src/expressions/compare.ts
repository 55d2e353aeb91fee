import { JavaDouble } from "@ferry/sdk";
import { ExpressionError } from "./expression.error.js";
import { javaString } from "./java-text.js";
import { after, type Maybe } from "./maybe.js";
import type { RenderBudget } from "./render-limits.js";
import { preview, toNumber } from "./values.js";

/*
 * Equality and order as Pebble's (OperatorUtils), as Kestra configures it: numbers compare as
 * numbers, other values with Java's equals (lists and maps by their contents); `<` and the like
 * compare two numbers or two strings (Kestra's comparison expressions), are false when either
 * side is null, and fail on anything else. Every comparison spends the
 * render's budget for what it reads: lists and maps are measured (size, depth, one step per
 * element) before they are printed, and long strings cost a step per CHARS_PER_STEP characters
 * compared, so that a loop of comparisons of big values ends at a limit and yields meanwhile.
 * equals, compare and contains return a promise only when they had to pause.
 */

const isCollection = (value: unknown): value is object => value !== null && typeof value === "object" && !(value instanceof JavaDouble);

function sameText(x: string, y: string, budget: RenderBudget, what: string): boolean {
  // strings of different lengths differ at once; equal lengths are compared character by character
  if (x.length === y.length) budget.chars(x.length, what);
  return x === y;
}

const isNumeric = (v: unknown): v is number | bigint => typeof v === "number" || typeof v === "bigint";

/** `==`: numbers by value (1 == 1.0), strings by text, lists and maps by their contents, null only to null */
export function equals(a: unknown, b: unknown, budget: RenderBudget, what: string): Maybe<boolean> {
  // a Double compares by value with any number, as Pebble widens both sides (6.0 == 6)
  if (a instanceof JavaDouble) a = a.value;
  if (b instanceof JavaDouble) b = b.value;
  if (typeof a === "string" && typeof b === "string") return sameText(a, b, budget, what);
  if (isNumeric(a) && isNumeric(b)) return a == b;
  if (a === b) return true;
  if (a == null || b == null) return false;
  if (!isCollection(a) || !isCollection(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  // lists of different lengths print differently (every element prints as something)
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return false;
  // a map equals another with the same entries in any order (Java's Map.equals)
  const x = Array.isArray(a) ? a : sortedKeys(a);
  const y = Array.isArray(b) ? b : sortedKeys(b);
  // one after the other: printing `x` may pause (a promise), and printing `y` may then throw at
  // once (a limit): a promise left behind like that rejects later with nobody listening
  return after(budget.json(x, what), (p) => after(budget.json(y, what), (q) => sameText(p, q, budget, what)));
}

// a map's copy with its keys in order, at its top level (enough to make key order not matter for flat maps)
function sortedKeys(map: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(map).sort()) out[key] = (map as Record<string, unknown>)[key];
  return out;
}

function order(x: string, y: string, budget: RenderBudget, what: string): number {
  budget.chars(Math.min(x.length, y.length), what);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `<` and the like: two numbers, or two strings by text; NaN (every comparison false) when either is null */
export function compare(a: unknown, b: unknown, budget: RenderBudget, what: string): number {
  if (a === null || a === undefined || b === null || b === undefined) return NaN;
  if (a instanceof JavaDouble) a = a.value;
  if (b instanceof JavaDouble) b = b.value;
  if (typeof a === "string" && typeof b === "string") return order(a, b, budget, what);
  if (isNumeric(a) && isNumeric(b)) return a < b ? -1 : a > b ? 1 : 0;
  throw new ExpressionError(`${what}: cannot compare '${preview(a)}' with '${preview(b)}' (two numbers or two strings)`);
}

/** `contains`: a substring, an element (every element, for a list), or a map's key */
export function contains(container: unknown, item: unknown, budget: RenderBudget, what: string): Maybe<boolean> {
  if (container === null || container === undefined) return false;
  if (typeof container === "string") {
    return after(item === null || item === undefined ? "null" : budget.text(item, what), (text) => {
      budget.chars(container.length, what);
      return container.includes(text);
    });
  }
  if (Array.isArray(container)) return search(container, Array.isArray(item) ? item : [item], budget, what);
  if (typeof container === "object") {
    if (typeof item !== "string") return false;
    budget.chars(item.length, what);
    return Object.prototype.hasOwnProperty.call(container, item);
  }
  throw new ExpressionError(`${what}: '${preview(container)}' is not a list, a map or a string`);
}

// whether every wanted item (from wanted[w], looked for from container[i]) is in the list, one
// step per element compared; at once, until a comparison must wait or the budget is due
function search(container: unknown[], wanted: unknown[], budget: RenderBudget, what: string, w = 0, i = 0): Maybe<boolean> {
  for (; w < wanted.length; w++, i = 0) {
    let found = false;
    for (; i < container.length && !found; i++) {
      budget.charge(1, what);
      const same = equals(container[i], wanted[w], budget, what);
      if (same instanceof Promise || budget.due) return resume(container, wanted, budget, what, w, i, same);
      found = same;
    }
    if (!found) return false;
  }
  return true;
}
// search on, once the comparison of container[i] with wanted[w] is done and the render paused
async function resume(container: unknown[], wanted: unknown[], budget: RenderBudget, what: string, w: number, i: number, same: Maybe<boolean>): Promise<boolean> {
  const found = await same;
  if (budget.due) await budget.pause();
  if (found) return search(container, wanted, budget, what, w + 1, 0);
  return i + 1 < container.length && search(container, wanted, budget, what, w, i + 1);
}

/**
 * Kestra's `in` (InExpression): whether `item`'s text is the text of one of a list's elements,
 * or of one of a map's keys or values; false when either side is null or the right side is
 * neither.
 */
export async function isIn(item: unknown, container: unknown, budget: RenderBudget, what: string): Promise<boolean> {
  if (item === null || item === undefined || container === null || container === undefined || typeof container !== "object") return false;
  // lists and maps are measured (size, depth) before they are printed as Java would
  if (typeof item === "object") await budget.json(item, what);
  const wanted = javaString(item, budget.limits.maxOutputLength);
  const candidates = Array.isArray(container) ? container : Object.entries(container).flat();
  for (let i = 0; i < candidates.length; i++) {
    budget.charge(1, what);
    if (candidates[i] !== null && typeof candidates[i] === "object") await budget.json(candidates[i], what);
    const text = candidates[i] === null || candidates[i] === undefined ? undefined : typeof candidates[i] === "string" ? (candidates[i] as string) : javaString(candidates[i], wanted.length + 1);
    if (text !== undefined && sameText(text, wanted, budget, what)) return true;
    if (budget.due) await budget.pause();
  }
  return false;
}

/**
 * `sort`: as `[...items].sort(compare)`, with each item's text made once (measured) rather than
 * in every comparison, and one step charged per comparison (the sort itself cannot pause, but
 * its charges still stop it at maxIterations or timeoutMs).
 */
export async function sorted(items: unknown[], budget: RenderBudget, what: string): Promise<unknown[]> {
  const texts: string[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    if (typeof items[i] === "number" || items[i] instanceof JavaDouble) continue;
    const text = budget.text(items[i], what);
    texts[i] = text instanceof Promise ? await text : text;
    if (budget.due) await budget.pause();
  }
  const indices = items.map((_, i) => i);
  indices.sort((i, j) => {
    budget.charge(1, what);
    const a = items[i];
    const b = items[j];
    if (typeof a !== "number" && typeof b !== "number" && !(a instanceof JavaDouble) && !(b instanceof JavaDouble)) return order(texts[i], texts[j], budget, what);
    const x = toNumber(a, what);
    const y = toNumber(b, what);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return indices.map((i) => items[i]);
}
