import type { RenderBudget } from "./render-limits.js";

/*
 * How deep each list or map a render holds nests, so that `{% set x = [x] %}` in a loop stops at
 * maxDepth instead of growing a value too deep to print or compare. Literals record their depth
 * as they are made; parsed JSON (fromJson, json) is walked once and every list and map in it
 * recorded. Other values from outside (inputs, outputs) count as one level until walked; they
 * are measured again, without recursion, before anything prints or compares them.
 */
const nesting = new WeakMap<object, number>();

const isCollection = (value: unknown): value is object => value !== null && typeof value === "object" && !(value instanceof Date);

export const nestingOf = (value: unknown): number => (value !== null && typeof value === "object" ? (nesting.get(value) ?? 1) : 0);

export const deepest = (values: unknown[]): number => values.reduce<number>((max, v) => Math.max(max, nestingOf(v)), 0);

export function recordNesting(value: object, depth: number): void {
  nesting.set(value, depth);
}

/**
 * Checks a value parsed from JSON against maxDepth and, list by list and map by map, against
 * maxCollectionSize, one step per element, without recursion; records how deep each list and
 * map in it nests. A value already recorded is not walked again.
 */
export function checkParsed(root: unknown, budget: RenderBudget, what: string): Promise<void> | undefined {
  if (!isCollection(root) || nesting.has(root)) return undefined;
  // a map's values are looked up as the walk reaches them
  const frames: Array<{ value: object; keys?: string[]; size: number; i: number; height: number }> = [];
  const open = (value: object) => {
    budget.depth(frames.length + 1, what);
    const keys = Array.isArray(value) ? undefined : Object.keys(value);
    const size = keys ? keys.length : (value as unknown[]).length;
    budget.collection(size, what);
    frames.push({ value, keys, size, i: 0, height: 1 });
  };
  const walk = (): Promise<void> | undefined => {
    while (frames.length) {
      const top = frames[frames.length - 1];
      if (top.i >= top.size) {
        frames.pop();
        nesting.set(top.value, top.height);
        if (frames.length) frames[frames.length - 1].height = Math.max(frames[frames.length - 1].height, top.height + 1);
        continue;
      }
      const i = top.i++;
      const item = top.keys ? (top.value as Record<string, unknown>)[top.keys[i]] : (top.value as unknown[])[i];
      budget.charge(1, what);
      if (isCollection(item)) {
        const known = nesting.get(item);
        if (known === undefined) open(item);
        else {
          budget.depth(frames.length + known, what);
          top.height = Math.max(top.height, known + 1);
        }
      }
      if (budget.due) return budget.pause().then(walk);
    }
    return undefined;
  };
  open(root);
  return walk();
}

/**
 * Before JSON.parse: the text's nesting and, for each list or map, an upper bound of its
 * elements (its commas plus one), read in one pass without recursion, so that JSON too deep or
 * too large is refused before it is parsed into memory.
 */
export function scanJson(text: string, budget: RenderBudget, what: string): void {
  budget.chars(text.length, what);
  const max = budget.limits.maxCollectionSize;
  const counts: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // a string: to its closing quote, stepping over escapes
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      counts.push(1);
      budget.depth(counts.length, what);
    } else if (c === 0x5d || c === 0x7d) counts.pop();
    else if (c === 0x2c && counts.length && ++counts[counts.length - 1] > max) budget.collection(counts[counts.length - 1], what);
  }
}
