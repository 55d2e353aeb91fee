import { UserError } from "./errors.js";

/**
 * How deeply a value from outside (a flow, a KV body, inputs) may nest. No real flow comes near
 * it; past a few thousand levels the recursive code that reads values (validation, YAML and
 * JSON writers, rendering) would overflow the stack.
 */
export const MAX_NESTING = 256;

/** the nesting depth of a JSON-like value, counted without recursion (a scalar is 0) */
export function nestingDepth(value: unknown, stopAt = Infinity): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [item, depth] = stack.pop()!;
    if (item === null || typeof item !== "object") continue;
    const inner = depth + 1;
    if (inner > deepest) deepest = inner;
    if (deepest > stopAt) return deepest;
    for (const child of Array.isArray(item) ? item : Object.values(item)) if (child !== null && typeof child === "object") stack.push([child, inner]);
  }
  return deepest;
}

/** refuses (422, or the status given) a value nested deeper than MAX_NESTING, naming what it was */
export function assertNesting(value: unknown, what: string, status = 422): void {
  if (nestingDepth(value, MAX_NESTING) > MAX_NESTING) throw new UserError(`${what} is nested more than ${MAX_NESTING} levels deep`, { status });
}

/**
 * JSON.parse for text from outside: a syntax error, a number JSON cannot hold (`1e999` would
 * read as Infinity, then be stored as null) or nesting past MAX_NESTING is a 400 naming what
 * was wrong.
 */
export function parseJsonFromOutside(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(`${what} does not parse as JSON: ${(error as Error).message}`, { status: 400 });
  }
  assertNesting(value, what, 400);
  assertFiniteNumbers(value, what);
  return value;
}

function assertFiniteNumbers(value: unknown, what: string): void {
  const stack: unknown[] = [value];
  while (stack.length) {
    const item = stack.pop();
    if (typeof item === "number" && !Number.isFinite(item)) throw new UserError(`${what} holds a number out of range (finite doubles only, at most ±1.8e308)`, { status: 400 });
    if (item && typeof item === "object") for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push(child);
  }
}
