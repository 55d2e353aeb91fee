/** How values print and compare, following Pebble as Kestra configures it. */

/** Renders a value into template output: lists and maps as compact JSON, null as nothing. */
export function stringify(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof Date) return value.toISOString();
  return JSON.stringify(value);
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(n);
}

/** Kestra's TruthUtils for conditions: false, 0, "", "false", "0", "-0", null, empty list. */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false) return false;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") {
    const t = value.trim().toLowerCase();
    return !(t === "" || t === "false" || t === "0" || t === "-0");
  }
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

export function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.length === 0;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value).length === 0;
  return false;
}

export function toNumber(value: unknown, what: string): number {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  throw new TypeError(`${what}: '${stringify(value)}' is not a number`);
}

export function looseEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return a == b;
  if (typeof a === "number" && typeof b === "number") return a === b;
  if (typeof a === "object" && typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

export function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" || typeof b === "number") {
    const x = toNumber(a, "comparison");
    const y = toNumber(b, "comparison");
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const x = stringify(a);
  const y = stringify(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
