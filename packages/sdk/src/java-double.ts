/**
 * Kestra holds numbers as Java does: a Long `6` and a Double `6.0` are different values that
 * print differently (`6`, `6.0`). A JavaScript number cannot tell them apart when the Double
 * is whole, so such a Double is boxed in a JavaDouble; a fractional or non-finite number is a
 * Double already and stays a plain number. JavaDoubles come from Java's sources of Doubles —
 * a float literal or arithmetic on a Double in an expression, a FLOAT input, `6.0` in JSON a
 * task printed — and survive storage through stringifyJson/parseJson below.
 */
export class JavaDouble {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  /** Java's Double.toString (`6.0`): what a text property written `6.0` holds, as Jackson gives a String property the scalar's text */
  toString(): string {
    return javaDoubleText(this.value);
  }
  /** a JSON.stringify that knows nothing of Doubles writes the number (`6`): lossy, never wrong JSON */
  toJSON(): number {
    sawDouble = true;
    return this.value;
  }
}

/** `n` as a Double: boxed when whole (6.0), else the number itself */
export function toDouble(n: number): number | JavaDouble {
  return Number.isInteger(n) ? new JavaDouble(n) : n;
}

/** the number a numeric value holds: a JavaDouble unboxed, anything else as it is */
export function unboxDouble<T>(value: T): T | number {
  return value instanceof JavaDouble ? value.value : value;
}

/** whether Java would hold this value as a Double (a boxed whole one, or any fractional or non-finite number) */
export function isDouble(value: unknown): boolean {
  return value instanceof JavaDouble || (typeof value === "number" && !Number.isInteger(value));
}

/** Java's Double.toString: shortest digits, `.0` on whole numbers, E notation outside [1e-3, 1e7) */
export function javaDoubleText(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
  if (n === 0) return Object.is(n, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(n);
  if (abs >= 1e-3 && abs < 1e7) return Number.isInteger(n) ? n.toFixed(1) : String(n);
  const [mantissa, exponent] = n.toExponential().split("e");
  return `${mantissa.includes(".") ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

// set by JavaDouble.toJSON: one plain JSON.stringify tells whether the Double-aware pass is needed
let sawDouble = false;

/** JSON text as Jackson writes it: a whole Double keeps its `.0` (`{"x":6.0}`) */
export function stringifyJson(value: unknown): string {
  sawDouble = false;
  const plain = JSON.stringify(value);
  if (!sawDouble) return plain;
  const marks: string[] = [];
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const raw = this[key];
    return raw instanceof JavaDouble && Number.isFinite(raw.value) ? `\u0000dbl${marks.push(javaDoubleText(raw.value)) - 1}\u0000` : v;
  });
  return text.replace(/"\\u0000dbl(\d+)\\u0000"/g, (_, i: string) => marks[Number(i)]);
}

// a whole number written as a Double: a fraction of zeros (`6.0`) or an exponent (`1e3`, `2.5E1`)
const WHOLE_DOUBLE_TEXT = /\d\.0+(?![0-9])|\d(?:\.\d*)?[eE]/;

/**
 * JSON.parse keeping Doubles: `6.0` reads as a JavaDouble. The native parser reads any text
 * holding no whole Double; the rest is read by a small parser of our own.
 */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (!WHOLE_DOUBLE_TEXT.test(text)) return value;
  try {
    return new DoubleReader(text).document();
  } catch (error) {
    // nested past what recursion reaches: read as JSON.parse reads it, Doubles as numbers
    if (error instanceof RangeError) return value;
    throw error;
  }
}

/** JSON read by recursive descent; only called on text JSON.parse has accepted, so it need not report errors */
class DoubleReader {
  private i = 0;
  constructor(private readonly text: string) {}

  document(): unknown {
    return this.value();
  }

  private value(): unknown {
    this.space();
    const c = this.text[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "t" || c === "f" || c === "n") {
      const word = c === "t" ? "true" : c === "f" ? "false" : "null";
      this.i += word.length;
      return c === "t" ? true : c === "f" ? false : null;
    }
    return this.number();
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++;
    this.space();
    if (this.text[this.i] === "}") return this.i++, out;
    for (;;) {
      this.space();
      const key = this.string();
      this.space();
      this.i++; // ':'
      // defined, not assigned: a '__proto__' key is a key, as JSON.parse makes it
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.space();
      if (this.text[this.i++] === "}") return out;
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.space();
    if (this.text[this.i] === "]") return this.i++, out;
    for (;;) {
      out.push(this.value());
      this.space();
      if (this.text[this.i++] === "]") return out;
    }
  }

  private string(): string {
    const start = this.i;
    this.i++;
    for (;;) {
      const end = this.text.indexOf('"', this.i);
      // a quote preceded by an odd number of backslashes is escaped
      let slashes = 0;
      while (this.text.charCodeAt(end - 1 - slashes) === 92) slashes++;
      this.i = end + 1;
      if (slashes % 2 === 0) break;
    }
    const body = this.text.slice(start, this.i);
    return body.includes("\\") ? (JSON.parse(body) as string) : body.slice(1, -1);
  }

  private number(): number | JavaDouble {
    const match = /-?\d+(\.\d+)?([eE][-+]?\d+)?/y;
    match.lastIndex = this.i;
    const m = match.exec(this.text)!;
    this.i += m[0].length;
    const n = Number(m[0]);
    return m[1] !== undefined || m[2] !== undefined ? toDouble(n) : n;
  }

  private space(): void {
    // JSON's whitespace: space, tab, line feed, carriage return
    for (let c = this.text.charCodeAt(this.i); c === 32 || c === 9 || c === 10 || c === 13; c = this.text.charCodeAt(++this.i));
  }
}
