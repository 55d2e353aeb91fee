/**
 * A deep copy as `structuredClone` makes it, faster for plain data: plain objects, arrays and
 * primitives (queue messages, an execution and its task runs). `structuredClone` goes through
 * V8's serializer: it was 5 % of local mode's busy time in a ForEach of Return tasks (the memory
 * queue's copies of jobs, results and log lines), and 2.4 % self in benchmark01 (an ended
 * execution's records copied for the request that waits on it); the same copy in plain code
 * costs a fraction of it.
 *
 * Anything else inside (a Date, a Map, a typed array, a class instance) is copied by
 * `structuredClone` itself, so such values keep its behaviour (a function still throws). A
 * value nested deeper than MAX_DEPTH (or holding a cycle) is copied whole by it.
 */
const MAX_DEPTH = 100;

class TooDeep extends Error {}

export function copyPlain<T>(value: T): T {
  try {
    return copy(value, 0) as T;
  } catch (error) {
    if (error instanceof TooDeep) return structuredClone(value);
    throw error;
  }
}

function copy(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== "object") {
    // structuredClone refuses functions and symbols: so does this, through it
    return typeof value === "function" || typeof value === "symbol" ? structuredClone(value) : value;
  }
  if (depth > MAX_DEPTH) throw new TooDeep();
  if (Array.isArray(value)) {
    // a sparse array keeps its holes through structuredClone
    if (Object.getPrototypeOf(value) !== Array.prototype) return structuredClone(value);
    const out = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = copy(value[i], depth + 1);
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = copy((value as Record<string, unknown>)[key], depth + 1);
    // an own `__proto__` (JSON.parse makes one) stays a property, as structuredClone keeps it, not the copy's prototype
    if (key === "__proto__") Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
  return out;
}
