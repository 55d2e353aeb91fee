/**
 * java.text.DecimalFormat in the en_US locale, which Pebble's numberFormat filter uses:
 * `#,##0.00`, `0.###`, `#.##%`, `00.0E0`, prefixes and suffixes (quoted with '), a negative
 * subpattern after `;`, HALF_EVEN rounding of the value's exact binary expansion.
 */
import { preview } from "./values.js";

interface Pattern {
  prefix: string;
  suffix: string;
  negPrefix: string;
  negSuffix: string;
  minInt: number;
  minFrac: number;
  maxFrac: number;
  /** digits between grouping separators, 0 for none */
  grouping: number;
  /** minimum exponent digits when the pattern is scientific */
  expDigits?: number;
  /** maximum integer digits in scientific notation (an exponent multiple), from the #s */
  maxIntSci: number;
  multiplier: number;
}

const cache = new Map<string, Pattern>();

/** DecimalFormat's default (NumberFormat.getInstance for en_US) */
export const DEFAULT_NUMBER_FORMAT = "#,##0.###";

function parsePattern(source: string): Pattern {
  const cached = cache.get(source);
  if (cached) return cached;
  const [positive, negative] = splitSubpatterns(source);
  const pos = parseOne(positive, source);
  const pattern: Pattern = { ...pos, negPrefix: `-${pos.prefix}`, negSuffix: pos.suffix };
  if (negative !== undefined) {
    const neg = parseOne(negative, source);
    pattern.negPrefix = neg.prefix;
    pattern.negSuffix = neg.suffix;
  }
  if (cache.size > 200) cache.clear();
  cache.set(source, pattern);
  return pattern;
}

// the `;` that separates a negative subpattern, outside quotes
function splitSubpatterns(source: string): [string, string | undefined] {
  let quoted = false;
  for (let i = 0; i < source.length; i++) {
    if (source[i] === "'") quoted = !quoted;
    else if (source[i] === ";" && !quoted) return [source.slice(0, i), source.slice(i + 1)];
  }
  return [source, undefined];
}

function parseOne(part: string, whole: string): Omit<Pattern, "negPrefix" | "negSuffix"> {
  let i = 0;
  let multiplier = 1;
  const affix = (stopAtDigits: boolean): string => {
    let out = "";
    while (i < part.length) {
      const c = part[i];
      if (stopAtDigits && "#0,.".includes(c)) break;
      if (c === "'") {
        const end = part.indexOf("'", i + 1);
        if (end < 0) throw new TypeError(`numberFormat: unterminated quote in '${preview(whole)}'`);
        out += end === i + 1 ? "'" : part.slice(i + 1, end);
        i = end + 1;
        continue;
      }
      if (c === "%") multiplier = 100;
      else if (c === "\u2030") multiplier = 1000;
      out += c === "\u00a4" ? "$" : c;
      i++;
    }
    return out;
  };
  const prefix = affix(true);
  let minInt = 0;
  let hashes = 0;
  let minFrac = 0;
  let maxFrac = 0;
  let grouping = 0;
  let lastComma = -1;
  let inFraction = false;
  let expDigits: number | undefined;
  let intDigits = 0;
  for (; i < part.length; i++) {
    const c = part[i];
    if (c === "#") {
      if (inFraction) maxFrac++;
      else if (minInt > 0) throw new TypeError(`numberFormat: unexpected '#' after '0' in '${preview(whole)}'`);
      else hashes++;
      if (!inFraction) intDigits++;
    } else if (c === "0") {
      if (inFraction) {
        if (maxFrac > minFrac) throw new TypeError(`numberFormat: unexpected '0' after '#' in '${preview(whole)}'`);
        minFrac++;
        maxFrac++;
      } else {
        minInt++;
        intDigits++;
      }
    } else if (c === "," && !inFraction) lastComma = intDigits;
    else if (c === "." && !inFraction) inFraction = true;
    else if (c === "E" && expDigits === undefined) {
      let n = 0;
      while (part[i + 1] === "0") {
        n++;
        i++;
      }
      if (n === 0) throw new TypeError(`numberFormat: malformed exponent in '${preview(whole)}'`);
      expDigits = n;
    } else break;
  }
  if (lastComma >= 0) grouping = intDigits - lastComma;
  const suffix = affix(false);
  // a pattern of only #s still prints "0" for zero ("#.##" formats 0 as "0")
  return {
    prefix, suffix, minInt: expDigits === undefined && minInt === 0 && maxFrac === 0 ? 1 : minInt, minFrac, maxFrac, grouping, expDigits,
    maxIntSci: hashes + minInt, multiplier,
  };
}

/** `n` rounded to `digits` fraction digits, HALF_EVEN on the exact value, as digits and a point */
function roundHalfEven(n: number, digits: number): string {
  const fixed = n.toFixed(Math.min(100, digits));
  // a tie only when the exact expansion is ...5 followed by zeros: toFixed rounded it up; Java rounds to even
  const exact = n.toFixed(Math.min(100, digits + 25));
  const rest = exact.slice(exact.length - 25);
  if (/^50*$/.test(rest)) {
    const down = exact.slice(0, exact.length - 25).replace(/\.$/, "");
    const last = Number(down[down.length - 1]);
    if (last % 2 === 0) return down;
  }
  return fixed;
}

export function formatDecimal(value: number, source: string): string {
  const p = parsePattern(source);
  if (Number.isNaN(value)) return "NaN";
  const negative = value < 0 || Object.is(value, -0);
  if (!Number.isFinite(value)) return `${negative ? p.negPrefix : p.prefix}\u221e${negative ? p.negSuffix : p.suffix}`;
  const abs = Math.abs(value) * p.multiplier;
  const body = p.expDigits !== undefined ? scientific(abs, p) : fixedPoint(abs, p);
  // -0 prints without its sign when nothing but zeros is shown
  const isZero = !/[1-9]/.test(body);
  return negative && !isZero ? `${p.negPrefix}${body}${p.negSuffix}` : `${p.prefix}${body}${p.suffix}`;
}

function fixedPoint(abs: number, p: Pattern): string {
  const rounded = roundHalfEven(abs, p.maxFrac);
  let [int, frac = ""] = rounded.split(".");
  frac = frac.replace(/0+$/, "");
  if (frac.length < p.minFrac) frac = frac.padEnd(p.minFrac, "0");
  int = int.replace(/^0+/, "");
  if (int.length < p.minInt) int = int.padStart(p.minInt, "0");
  if (p.grouping > 0) int = int.replace(new RegExp(`\\B(?=(\\d{${p.grouping}})+(?!\\d))`, "g"), ",");
  return frac ? `${int}.${frac}` : int;
}

function scientific(abs: number, p: Pattern): string {
  let exponent = abs === 0 ? 0 : Math.floor(Math.log10(abs));
  // with #s before the 0s, the exponent is a multiple of the integer digits (engineering notation)
  const step = p.maxIntSci > p.minInt && p.maxIntSci > 1 ? p.maxIntSci : 1;
  const intDigits = step > 1 ? 1 + (((exponent % step) + step) % step) : Math.max(1, p.minInt);
  exponent -= intDigits - 1;
  const mantissa = abs / 10 ** exponent;
  const totalDigits = p.minInt + p.maxFrac;
  const fracDigits = Math.max(0, (step > 1 ? totalDigits : p.minInt + p.maxFrac) - intDigits);
  let [int, frac = ""] = roundHalfEven(mantissa, fracDigits).split(".");
  if (int.length > intDigits) {
    // rounding carried into a new digit: 9.99E0 → 1.00E1
    exponent += 1;
    [int, frac = ""] = roundHalfEven(abs / 10 ** exponent, fracDigits).split(".");
  }
  frac = frac.replace(/0+$/, "");
  if (frac.length < p.minFrac) frac = frac.padEnd(p.minFrac, "0");
  const exp = `${exponent < 0 ? "-" : ""}${String(Math.abs(exponent)).padStart(p.expDigits!, "0")}`;
  return `${int}${frac ? `.${frac}` : ""}E${exp}`;
}
