import { copyPlain } from "@ferry/sdk";

/**
 * A message's copy as `structuredClone` makes it (the sdk's `copyPlain`): each consumer gets its
 * own copy, as it would from a real queue, so neither side sees the other's later changes.
 */
export const copyMessage: <T>(message: T) => T = copyPlain;

/** how deep sameCopy compares, as copyPlain copies in plain code before it hands a value to structuredClone */
const MAX_DEPTH = 100;

/**
 * A copy to be held while it waits, whose object-valued top-level properties equal to the
 * last such property copied under the same name (`recent`) are that earlier copy itself: a
 * ForEach with no concurrency limit queues 100,000 jobs at once, each with the same task and
 * the same execution context, and separate copies of those were about a third of each waiting
 * job (issue #18.1). What it answers shares parts with other messages, so it must never be
 * handed out as it is: `copyMessage` it when it is delivered. A message that is not a plain
 * object is copied whole.
 */
export function copySharing<T>(message: T, recent: Map<string, unknown>): T {
  if (message === null || typeof message !== "object" || Object.getPrototypeOf(message) !== Object.prototype) return copyMessage(message);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(message)) {
    const value = (message as Record<string, unknown>)[key];
    let item: unknown;
    if (value !== null && typeof value === "object") {
      const known = recent.get(key);
      if (known !== undefined && sameCopy(known, value, 0)) item = known;
      else {
        item = copyMessage(value);
        // bounded by the names messages use: a sender of ever new names gets no sharing, not a growing map
        if (recent.size >= 64 && !recent.has(key)) recent.clear();
        recent.set(key, item);
      }
    } else item = copyMessage(value);
    if (key === "__proto__") Object.defineProperty(out, key, { value: item, enumerable: true, writable: true, configurable: true });
    else out[key] = item;
  }
  return out as T;
}

/**
 * Whether `value` copied would be exactly `copied` (a copy `copy` made): the same keys in the
 * same order, the same primitives (Object.is: -0 and NaN as a copy keeps them), dense arrays.
 * Anything a plain copy gives to structuredClone (a Date, a class instance) is never the same.
 */
function sameCopy(copied: unknown, value: unknown, depth: number): boolean {
  if (copied === null || typeof copied !== "object") return Object.is(copied, value);
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return false;
  if (Array.isArray(copied)) {
    if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype || Object.getPrototypeOf(copied) !== Array.prototype || value.length !== copied.length) return false;
    for (let i = 0; i < value.length; i++) if (!(i in value) || !(i in copied) || !sameCopy(copied[i], value[i], depth + 1)) return false;
    return true;
  }
  if (Array.isArray(value) || Object.getPrototypeOf(copied) !== Object.prototype || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const keys = Object.keys(value);
  const known = Object.keys(copied);
  if (keys.length !== known.length) return false;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== known[i] || !sameCopy((copied as Record<string, unknown>)[known[i]], (value as Record<string, unknown>)[keys[i]], depth + 1)) return false;
  }
  return true;
}
