import { after, both, type Maybe } from "./maybe.js";
import type { RenderBudget } from "./render-limits.js";
import { toNumber } from "./values.js";

/*
 * Equality and order as Pebble's, as Kestra configures it: lists and maps are equal when their
 * JSON is, and values that are not numbers order by their text. Every comparison spends the
 * render's budget for what it reads: lists and maps are measured (size, depth, one step per
 * element) before they are printed, and long strings cost a step per CHARS_PER_STEP characters
 * compared, so that a loop of comparisons of big values ends at a limit and yields meanwhile.
 * equals, compare and contains return a promise only when they had to pause.
 */

const isCollection = (value: unknown): value is object => value !== null && typeof value === "object";

function sameText(x: string, y: string, budget: RenderBudget, what: string): boolean {
  // strings of different lengths differ at once; equal lengths are compared character by character
  if (x.length === y.length) budget.chars(x.length, what);
  return x === y;
}

/** `==`: numbers and strings by value, lists and maps by their JSON, null only to null */
export function equals(a: unknown, b: unknown, budget: RenderBudget, what: string): Maybe<boolean> {
  if (typeof a === "string" && typeof b === "string") return sameText(a, b, budget, what);
  if (a === b) return true;
  if (a == null || b == null) return a == b;
  if (!isCollection(a) || !isCollection(b)) return false;
  // lists of different lengths print differently (every element prints as something)
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return false;
  return both(budget.json(a, what), budget.json(b, what), (x, y) => sameText(x, y, budget, what));
}

function order(x: string, y: string, budget: RenderBudget, what: string): number {
  budget.chars(Math.min(x.length, y.length), what);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** `<` and the like: numerically when either side is a number, otherwise by text */
export function compare(a: unknown, b: unknown, budget: RenderBudget, what: string): Maybe<number> {
  if (typeof a === "number" || typeof b === "number") {
    const x = toNumber(a, "comparison");
    const y = toNumber(b, "comparison");
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return both(budget.text(a, what), budget.text(b, what), (x, y) => order(x, y, budget, what));
}

/** `contains`: a substring, an element (every element, for a list), or a map's key */
export function contains(container: unknown, item: unknown, budget: RenderBudget, what: string): Maybe<boolean> {
  if (typeof container === "string") {
    return after(budget.text(item, what), (text) => {
      budget.chars(container.length, what);
      return container.includes(text);
    });
  }
  if (Array.isArray(container)) return search(container, Array.isArray(item) ? item : [item], budget, what);
  if (container && typeof container === "object") {
    return after(budget.text(item, what), (key) => {
      budget.chars(key.length, what);
      return Object.prototype.hasOwnProperty.call(container, key);
    });
  }
  return false;
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
 * `sort`: as `[...items].sort(compare)`, with each item's text made once (measured) rather than
 * in every comparison, and one step charged per comparison (the sort itself cannot pause, but
 * its charges still stop it at maxIterations or timeoutMs).
 */
export async function sorted(items: unknown[], budget: RenderBudget, what: string): Promise<unknown[]> {
  const texts: string[] = new Array(items.length);
  for (let i = 0; i < items.length; i++) {
    if (typeof items[i] === "number") continue;
    const text = budget.text(items[i], what);
    texts[i] = text instanceof Promise ? await text : text;
    if (budget.due) await budget.pause();
  }
  const indices = items.map((_, i) => i);
  indices.sort((i, j) => {
    budget.charge(1, what);
    const a = items[i];
    const b = items[j];
    if (typeof a !== "number" && typeof b !== "number") return order(texts[i], texts[j], budget, what);
    const x = toNumber(a, "comparison");
    const y = toNumber(b, "comparison");
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return indices.map((i) => items[i]);
}
