import { JavaDouble, javaDoubleText } from "@ferry/sdk";

/**
 * How Java prints what Pebble hands to `toString()`: the `~` and `+` operators, string
 * interpolation and `in` read values this way (a list prints `[a, b]`, not as JSON), and a
 * Double prints `5.0` or `1.0E10`. What a template outputs is printed by values.ts instead
 * (lists and maps as JSON, as Kestra's JsonWriter does).
 */

/** a map entry of a `{% for entry in map %}` loop: `.key`, `.value`, printed `key=value` as Java's Map.Entry */
export class Entry {
  constructor(
    readonly key: string,
    readonly value: unknown,
  ) {}
  toString(): string {
    return `${this.key}=${javaString(this.value)}`;
  }
  toJSON(): Record<string, unknown> {
    return { [this.key]: this.value };
  }
}

/** Java's Double.toString: `5.0`, `1.0E10` */
export const javaDouble = javaDoubleText;

/** a plain number as Java prints it: whole numbers as a Long, others as a Double (a whole Double is a JavaDouble) */
export function javaNumber(n: number): string {
  return Number.isInteger(n) && Math.abs(n) < 2 ** 63 ? (Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString()) : javaDouble(n);
}

/**
 * `String.valueOf(value)`, written without recursion so that a deep value cannot overflow the
 * stack: lists as `[a, b]`, maps as `{k=v}`; `max` bounds the length (longer is cut there, the
 * callers having checked the size beforehand).
 */
export function javaString(value: unknown, max = Number.MAX_SAFE_INTEGER): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "number") return javaNumber(value);
  if (typeof value !== "object" || value instanceof Entry || value instanceof Date || value instanceof JavaDouble) return scalar(value);
  let out = "";
  // what is left to print, last first: literal pieces of punctuation, or values
  const stack: unknown[] = [value];
  while (stack.length && out.length <= max) {
    const item = stack.pop();
    if (item instanceof Piece) out += item.text;
    else if (item === null || typeof item !== "object" || item instanceof Entry || item instanceof Date || item instanceof JavaDouble) out += scalar(item);
    else {
      const entries: Array<[string | undefined, unknown]> = Array.isArray(item) ? item.map((v) => [undefined, v]) : Object.entries(item);
      stack.push(new Piece(Array.isArray(item) ? "]" : "}"));
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i];
        stack.push(v, new Piece(`${i ? ", " : ""}${k === undefined ? "" : `${k}=`}`));
      }
      stack.push(new Piece(Array.isArray(item) ? "[" : "{"));
    }
  }
  return out.length > max ? out.slice(0, max) : out;
}

class Piece {
  constructor(readonly text: string) {}
}

function scalar(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return javaNumber(value);
  if (value instanceof JavaDouble) return javaDouble(value.value);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

/**
 * The Java class Kestra would hold for a value read from JSON (Jackson's defaults): what the
 * `className` filter prints when no literal or filter says more.
 */
export function javaClassOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "string") return "java.lang.String";
  if (typeof value === "boolean") return "java.lang.Boolean";
  if (typeof value === "bigint") return "java.math.BigInteger";
  if (value instanceof JavaDouble) return "java.lang.Double";
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return "java.lang.Double";
    return Math.abs(value) <= 2 ** 31 - 1 ? "java.lang.Integer" : Math.abs(value) < 2 ** 63 ? "java.lang.Long" : "java.math.BigInteger";
  }
  if (Array.isArray(value)) return "java.util.ArrayList";
  if (value instanceof Entry) return "java.util.HashMap$Node";
  return "java.util.LinkedHashMap";
}
