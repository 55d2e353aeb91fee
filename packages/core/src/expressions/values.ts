/** How values print, and read as numbers and as conditions, following Pebble as Kestra configures it. */
import { JavaDouble } from "@ferry/sdk";
import { Entry, javaDouble, javaNumber } from "./java-text.js";

/**
 * Renders a value into template output: lists and maps as compact JSON, null as nothing. Lists
 * and maps are printed unmeasured: inside a render, RenderBudget.text prints them within limits.
 */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return javaNumber(value);
  if (value instanceof JavaDouble) return javaDouble(value.value);
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Entry) return value.toString();
  if (value instanceof Uint8Array) return new TextDecoder().decode(value);
  return JSON.stringify(value);
}

/** Kestra's TruthUtils for conditions: false, 0, "", "false", "0", "-0", null, empty list. */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === "number") return value !== 0;
  if (value instanceof JavaDouble) return value.value !== 0;
  if (typeof value === "string") {
    // trim() finds the ends without copying; only a short result can be a falsy word
    const t = value.trim();
    return !(t.length <= 5 && FALSY_WORDS.has(t.toLowerCase()));
  }
  if (Array.isArray(value)) return value.length > 0;
  return true;
}
const FALSY_WORDS = new Set(["", "false", "0", "-0"]);

/**
 * Pebble's EmptyTest, which its `default` filter uses too: null, a blank string (only spaces),
 * an empty list or map.
 */
export function isBlank(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.trim().length === 0;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object" && !(value instanceof Uint8Array) && !(value instanceof Entry) && !(value instanceof JavaDouble)) {
    for (const _ in value) return false;
    return true;
  }
  return false;
}

export function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.length === 0;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object" && !(value instanceof JavaDouble)) return Object.keys(value).length === 0;
  return false;
}

// longer than any number is written: such a string is not a number, found without reading it
const MAX_NUMBER_TEXT = 1000;

export function toNumber(value: unknown, what: string): number {
  if (typeof value === "number") return value;
  if (value instanceof JavaDouble) return value.value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && value.length <= MAX_NUMBER_TEXT && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  throw new TypeError(`${what}: '${preview(value)}' is not a number`);
}

/** whether `value` is a string that toNumber does not read as a number (`+` concatenates then) */
export function isNonNumericText(value: unknown): boolean {
  return typeof value === "string" && (value.length > MAX_NUMBER_TEXT || Number.isNaN(Number(value)));
}

/**
 * A value as an error message shows it: its text, or the start of its JSON, cut at `max`
 * characters. Printed without recursion and only as far as shown, so that a message about a
 * huge or deep value stays short and cheap.
 */
export function preview(value: unknown, max = 60): string {
  const text = value !== null && typeof value === "object" && !(value instanceof Date) && !(value instanceof Entry) && !(value instanceof Uint8Array) && !(value instanceof JavaDouble) ? jsonHead(value, max + 1) : stringify(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

// the first `limit` or more characters of JSON.stringify(root)
function jsonHead(root: object, limit: number): string {
  let out = "";
  const frames: Array<{ value: object; keys?: string[]; i: number }> = [];
  const print = (value: unknown) => {
    if (value instanceof JavaDouble) out += javaDouble(value.value);
    else if (value !== null && typeof value === "object" && !(value instanceof Date)) {
      out += Array.isArray(value) ? "[" : "{";
      frames.push({ value, keys: Array.isArray(value) ? undefined : Object.keys(value), i: 0 });
    } else if (typeof value === "string") out += JSON.stringify(value.length > limit ? value.slice(0, limit) : value);
    else out += JSON.stringify(value) ?? "null";
  };
  print(root);
  while (frames.length && out.length < limit) {
    const top = frames[frames.length - 1];
    const size = top.keys ? top.keys.length : (top.value as unknown[]).length;
    if (top.i >= size) {
      out += top.keys ? "}" : "]";
      frames.pop();
      continue;
    }
    if (top.i++ > 0) out += ",";
    if (!top.keys) print((top.value as unknown[])[top.i - 1]);
    else {
      const key = top.keys[top.i - 1];
      out += `${JSON.stringify(key.length > limit ? key.slice(0, limit) : key)}:`;
      print((top.value as Record<string, unknown>)[key]);
    }
  }
  return out;
}
