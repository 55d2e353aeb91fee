import { createHash } from "node:crypto";
import { ExpressionError } from "./expression.error.js";
import type { Filter } from "./filters.js";
import { javaString } from "./java-text.js";
import { after, type Maybe } from "./maybe.js";
import type { RenderBudget } from "./render-limits.js";
import { regexMatches, regexReplace } from "./sandbox.js";
import { preview, stringify } from "./values.js";

/*
 * The filters that work on text. Each prints its input within the budget (a list or map is
 * measured first), charges one step per CHARS_PER_STEP characters it goes over, and keeps what
 * it makes within maxOutputLength: checked before making it when the size is known, otherwise
 * as it is made, a piece at a time (so that a filter whose output may grow, or that runs a
 * callback per word, neither allocates far past the limit nor holds the event loop).
 */

// characters transformed at once before the budget is charged, checked and may pause
const PIECE = 1 << 16;

const isSpace = /\s/g;

/** a cut at or after `at` just before whitespace (or the end): word-wise filters see whole words */
function beforeSpace(s: string, at: number): number {
  isSpace.lastIndex = at;
  return isSpace.exec(s)?.index ?? s.length;
}

/** a cut at `at`, or just after it so as not to split a surrogate pair */
function betweenCharacters(s: string, at: number): number {
  const c = s.charCodeAt(at - 1);
  return at < s.length && c >= 0xd800 && c < 0xdc00 ? at + 1 : at;
}

/** `f` over `s`, a piece at a time cut where `cut` says, as if over the whole; at once when short */
function piecewise(s: string, b: RenderBudget, what: string, cut: (s: string, at: number) => number, f: (piece: string) => string): Maybe<string> {
  if (s.length > PIECE) return piecewiseLong(s, b, what, cut, f);
  b.chars(s.length, what);
  const out = f(s);
  b.output(out.length, what);
  return out;
}

async function piecewiseLong(s: string, b: RenderBudget, what: string, cut: (s: string, at: number) => number, f: (piece: string) => string): Promise<string> {
  let out = "";
  for (let from = 0; from < s.length; ) {
    const to = s.length - from <= PIECE ? s.length : cut(s, from + PIECE);
    b.chars(to - from, what);
    out += f(s.slice(from, to));
    b.output(out.length, what);
    from = to;
    if (b.due) await b.pause();
  }
  return out;
}

/** `f` of the input as text, charged for being gone over once */
function read<T>(v: unknown, b: RenderBudget, what: string, f: (s: string) => Maybe<T>): Maybe<T> {
  return after(b.text(v, what), (s) => {
    b.chars(s.length, what);
    return f(s);
  });
}

/**
 * `s.replaceAll(from, to)` for a non-empty `from` (`to` inserted as it is), made a thousand
 * matches at a time: each batch is charged (a step per match, and the characters gone over),
 * the length the result will at least have is checked, and the render may pause. (Also three
 * times faster than replaceAll's own loop on many matches.)
 */
async function replaceAllWithin(s: string, from: string, to: string, b: RenderBudget): Promise<string> {
  let out = "";
  let parts: string[] = [];
  let pending = 0;
  let last = 0;
  let scanned = 0;
  let matches = 0;
  const settle = () => {
    b.charge(matches, "replace");
    b.chars(last - scanned, "replace");
    b.output(out.length + pending + (s.length - last), "replace");
    out += parts.join("");
    parts = [];
    pending = matches = 0;
    scanned = last;
  };
  for (let at = s.indexOf(from); at >= 0; at = s.indexOf(from, last)) {
    parts.push(s.slice(last, at), to);
    pending += at - last + to.length;
    last = at + from.length;
    if (++matches >= 1024 || pending > PIECE) {
      settle();
      if (b.due) await b.pause();
    }
  }
  parts.push(s.slice(last));
  pending += s.length - last;
  last = s.length;
  settle();
  return out;
}

const nullSafe =
  (f: Filter): Filter =>
  (v, args, named, b) =>
    v === null || v === undefined ? null : f(v, args, named, b);

/** an argument that must be text (a separator, a prefix): printed within the budget */
async function textArg(value: unknown, b: RenderBudget, what: string, name: string): Promise<string> {
  if (value === undefined || value === null) throw new ExpressionError(`${what} expects an argument '${name}'`);
  return argText(value, b, what);
}

/** StringUtils.substringBefore/After(Last): the whole text, or nothing, when the separator is not there */
function substring(before: boolean, last: boolean): Filter {
  const what = `substring${before ? "Before" : "After"}${last ? "Last" : ""}`;
  return nullSafe(async (v, args, named, b) => {
    const s = await read(v, b, what, (x) => x);
    const sep = await textArg(arg(args, named, 0, "separator"), b, what, "separator");
    if (s === "") return s;
    if (sep === "") return before === last ? s : "";
    const at = last ? s.lastIndexOf(sep) : s.indexOf(sep);
    if (at < 0) return before ? s : "";
    return before ? s.slice(0, at) : s.slice(at + sep.length);
  });
}

/** a hash of the text's UTF-8 bytes, in lower-case hex (Pebble's sha256, Kestra's ShaBaseFilter) */
function hash(algorithm: string, name: string): Filter {
  return nullSafe((v, _a, _n, b) => {
    if (typeof v !== "string") throw new ExpressionError(`${name}: need a string to hash, got '${preview(v)}'`);
    b.chars(v.length, name);
    return createHash(algorithm).update(v, "utf8").digest("hex");
  });
}

/** AbstractIndent: the line separator the text uses, every one followed by `amount` prefixes (nindent: one more before the text) */
function indent(leading: boolean): Filter {
  const what = leading ? "nindent" : "indent";
  return nullSafe(async (v, args, named, b) => {
    const s = typeof v === "string" ? v : javaString(v, b.limits.maxOutputLength + 1);
    if (s === "") return s;
    const amountArg = arg(args, named, 0, "amount");
    if (amountArg === undefined) throw new ExpressionError(`The '${what}' filter expects an integer as argument 'amount'.`);
    const amount = typeof amountArg === "number" && Number.isInteger(amountArg) ? amountArg : NaN;
    if (!(amount >= 0)) throw new ExpressionError(`The '${what}' filter expects a positive integer >=0 as argument 'amount'.`);
    const prefixArg = arg(args, named, 1, "prefix");
    const prefix = prefixArg === undefined ? " " : await argText(prefixArg, b, what);
    const newLine = s.includes("\r\n") ? "\r\n" : s.includes("\n\r") ? "\n\r" : s.includes("\n") ? "\n" : s.includes("\r") ? "\r" : "\n";
    const pad = prefix.repeat(amount);
    const text = leading ? newLine + s : s;
    b.output(text.length + text.split(newLine).length * pad.length, what);
    return replaceAllWithin(text, newLine, newLine + pad, b);
  });
}

/** Java's URLEncoder (application/x-www-form-urlencoded): spaces as +, and only A-Za-z0-9 . - * _ kept */
const javaUrlEncode = (p: string) => encodeURIComponent(p).replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replaceAll("%20", "+");

/** Java's URLDecoder: + is a space, %XX a UTF-8 byte; a malformed escape fails */
function javaUrlDecode(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll("+", " "));
  } catch (error) {
    throw new ExpressionError(`urldecode: '${preview(s)}' has an illegal escape`, { cause: error });
  }
}

/** Kestra's Slugify: spaces to dashes, accents off (NFD), only word characters and dashes kept, dashes collapsed and trimmed, lower case */
function slugify(s: string): string {
  const slug = s.replace(/\s/g, "-").normalize("NFD").replace(/[^A-Za-z0-9_-]/g, "").replaceAll("_", "-").replace(/-{2,}/g, "-").replace(/^-|-$/g, "");
  return slug.toLowerCase();
}

/** ReplaceFilter: every pair replaced in a string, or in every string of a list or map (other values as their text) */
async function replace(v: unknown, pairs: Record<string, unknown>, regexp: boolean, b: RenderBudget): Promise<unknown> {
  if (typeof v === "string") return replaceText(v, pairs, regexp, b);
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (const item of v) out.push(await replace(item === null || typeof item !== "object" ? stringify(item) : item, pairs, regexp, b));
    return out;
  }
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) out[k] = await replace(item === null || typeof item !== "object" ? stringify(item) : item, pairs, regexp, b);
    return out;
  }
  return replaceText(stringify(v), pairs, regexp, b);
}

async function replaceText(input: string, pairs: Record<string, unknown>, regexp: boolean, b: RenderBudget): Promise<string> {
  let s = input;
  for (const [from, value] of Object.entries(pairs)) {
    const to = await b.text(value);
    if (regexp) {
      b.chars(s.length, "replace");
      s = await regexReplace(s, javaRegex(from).source, `g${javaRegex(from).flags}`, javaReplacement(to), { remainingMs: b.remainingMs(), limitMs: b.limits.timeoutMs });
      b.output(s.length, "replace");
    } else if (from !== "") s = await replaceAllWithin(s, from, to, b);
    else {
      // between every two characters, and at both ends, as Java's String.replace("", x) does
      b.collection(s.length, "replace");
      b.charge(s.length, "replace");
      b.output(s.length + (s.length + 1) * to.length, "replace");
      s = to + s.split("").join(to) + to;
    }
    if (b.due) await b.pause();
  }
  return s;
}

/** a Java regular expression as a JavaScript one: a leading (?i) or (?s) becomes a flag */
export function javaRegex(pattern: string): { source: string; flags: string } {
  let source = pattern;
  let flags = "";
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline) {
    flags = inline[1].replace(/x/g, "");
    source = source.slice(inline[0].length);
  }
  try {
    new RegExp(source, flags);
  } catch (error) {
    throw new ExpressionError(`'${preview(pattern)}' is not a regular expression Ferry can run: ${(error as Error).message}`, { cause: error });
  }
  return { source, flags };
}

/** Java's replacement syntax ($1, ${name}, \$ for a dollar) in JavaScript's ($1, $<name>, $$) */
export function javaReplacement(to: string): string {
  let out = "";
  for (let i = 0; i < to.length; i++) {
    const c = to[i];
    if (c === "\\" && i + 1 < to.length) out += to[++i] === "$" ? "$$" : to[i];
    else if (c === "$" && to[i + 1] === "{") {
      const end = to.indexOf("}", i);
      out += `$<${to.slice(i + 2, end)}>`;
      i = end;
    } else if (c === "$" && !/\d/.test(to[i + 1] ?? "")) throw new ExpressionError(`replace: illegal group reference in '${preview(to)}'`);
    else out += c;
  }
  return out;
}

// characters that make a split delimiter a regular expression rather than plain text
const REGEX_META = /[\\^$.|?*+()[\]{}]/;

/** String.split(regex, limit): Java's rules for empty leading and trailing pieces */
async function split(s: string, delimiter: string, limit: number, b: RenderBudget): Promise<string[]> {
  let bounds: number[];
  if (!REGEX_META.test(delimiter) && delimiter !== "") {
    bounds = [];
    for (let at = s.indexOf(delimiter); at >= 0; at = s.indexOf(delimiter, at + delimiter.length)) {
      bounds.push(at, at + delimiter.length);
      if (bounds.length % 2048 === 0) {
        b.charge(1024, "split");
        b.collection(bounds.length / 2, "split");
        if (b.due) await b.pause();
      }
    }
  } else {
    const re = javaRegex(delimiter);
    bounds = await regexMatches(s, re.source, `g${re.flags}`, { remainingMs: b.remainingMs(), limitMs: b.limits.timeoutMs });
  }
  b.collection(bounds.length / 2 + 1, "split");
  b.charge(bounds.length / 2, "split");
  const out: string[] = [];
  let index = 0;
  for (let i = 0; i < bounds.length; i += 2) {
    const [start, end] = [bounds[i], bounds[i + 1]];
    // a zero-width match at the start makes no empty first piece
    if (index === 0 && start === 0 && end === 0) continue;
    if (limit > 0 && out.length >= limit - 1) break;
    out.push(s.slice(index, start));
    index = end;
  }
  if (index === 0 && out.length === 0) return [s];
  out.push(s.slice(index));
  if (limit === 0) while (out.length && out[out.length - 1] === "") out.pop();
  return out;
}

export const TEXT_FILTERS: Record<string, Filter> = {
  // case mappings are per character (upper case can grow a string: ß → SS); lower case looks at
  // the neighbours of a Σ, up to the next space, so it is cut only before a space
  upper: nullSafe((v, _a, _n, b) => after(b.text(v), (s) => piecewise(s, b, "upper", betweenCharacters, (p) => p.toUpperCase()))),
  lower: nullSafe((v, _a, _n, b) => after(b.text(v), (s) => piecewise(s, b, "lower", beforeSpace, (p) => p.toLowerCase()))),
  // Pebble's: the first character that is not a space, in upper case
  capitalize: nullSafe((v, _a, _n, b) =>
    after(b.text(v), (s) => {
      const at = s.search(/\S/);
      return at < 0 ? s : s.slice(0, at) + s.charAt(at).toUpperCase() + s.slice(at + 1);
    }),
  ),
  // a callback per word: a step per word besides the characters
  title: nullSafe((v, _a, _n, b) =>
    after(b.text(v), (s) =>
      piecewise(s, b, "title", beforeSpace, (p) => {
        let words = 0;
        const out = p.replace(/(^|\s)(\S)/g, (_, x: string, y: string) => {
          words++;
          return x + y.toUpperCase();
        });
        b.charge(words, "title");
        return out;
      }),
    ),
  ),
  trim: nullSafe((v, _a, _n, b) => read(v, b, "trim", (s) => s.trim())),
  split: nullSafe(async (v, args, named, b) => {
    const s = await read(v, b, "split", (x) => x);
    const delimiter = await textArg(arg(args, named, 0, "delimiter"), b, "split", "delimiter");
    const limit = arg(args, named, 1, "limit");
    return split(s, delimiter, limit === undefined || limit === null ? 0 : Number(limit), b);
  }),
  replace: nullSafe(async (v, args, named, b) => {
    const pairs = arg(args, named, 0, "replace_pairs");
    if (pairs === null || pairs === undefined) throw new ExpressionError("The argument 'replace_pairs' is required.");
    if (typeof pairs !== "object" || Array.isArray(pairs)) throw new ExpressionError(`replace: 'replace_pairs' must be a map, got '${preview(pairs)}'`);
    const regexp = arg(args, named, 1, "regexp");
    if (regexp !== undefined && typeof regexp !== "boolean") throw new ExpressionError(`replace: 'regexp' must be true or false, got '${preview(regexp)}'`);
    if (v !== null && typeof v === "object") await b.json(v, "replace");
    return replace(v, pairs as Record<string, unknown>, regexp === true, b);
  }),
  // Pebble's: the text cut to `length` characters, the last three of them an ellipsis
  abbreviate: nullSafe(async (v, args, named, b) => {
    const s = await b.text(v, "abbreviate");
    const n = arg(args, named, 0, "length");
    if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw new ExpressionError("Invalid argument to abbreviate filter; must be greater than zero");
    if (s.length < n || s.length <= 3) return s;
    return n <= 3 ? s.slice(0, n) : s.slice(0, n - 3) + "...";
  }),
  // Kestra's: the input's text starts (ends) with the argument's
  startsWith: nullSafe(async (v, args, named, b) => {
    const [s, prefix] = await Promise.all([b.text(v, "startsWith"), textArg(arg(args, named, 0, "value"), b, "startsWith", "value")]);
    b.chars(prefix.length, "startsWith");
    return s.startsWith(prefix);
  }),
  endsWith: nullSafe(async (v, args, named, b) => {
    const [s, suffix] = await Promise.all([b.text(v, "endsWith"), textArg(arg(args, named, 0, "value"), b, "endsWith", "value")]);
    b.chars(suffix.length, "endsWith");
    return s.endsWith(suffix);
  }),
  substringBefore: substring(true, false),
  substringBeforeLast: substring(true, true),
  substringAfter: substring(false, false),
  substringAfterLast: substring(false, true),
  // EscapeCharFilter: single and double quotes escaped with a backslash; for a shell, ' closed, escaped and reopened
  escapeChar: nullSafe(async (v, args, named, b) => {
    const type = arg(args, named, 0, "type");
    if (type === undefined) throw new ExpressionError("The 'escapeChar' filter expects an argument 'type'.");
    const kind = typeof type === "string" ? type.toLowerCase() : "";
    const s = await b.text(v, "escapeChar");
    if (kind === "single") return replaceAllWithin(s, "'", "\\'", b);
    if (kind === "double") return replaceAllWithin(s, '"', '\\"', b);
    if (kind === "shell") return replaceAllWithin(s, "'", "'\\''", b);
    throw new ExpressionError("The 'escapeChar' filter expects the value of 'type' to be either 'single', 'double', or 'shell'.");
  }),
  // ShFilter: a value for a single-quoted shell word, each ' closed, escaped and reopened
  sh: nullSafe((v, _a, _n, b) => after(b.text(v, "sh"), (s) => replaceAllWithin(s, "'", "'\\''", b))),
  // CondenseStringFilter: a text without its line feeds; anything else is refused
  condense: async (v, _a, _n, b) => {
    if (typeof v !== "string") throw new ExpressionError("condense can only be applied on strings");
    return replaceAllWithin(v, "\n", "", b);
  },
  indent: indent(false),
  nindent: indent(true),
  sha256: hash("sha256", "sha256"),
  sha1: hash("sha1", "sha1"),
  sha512: hash("sha512", "sha512"),
  md5: hash("md5", "md5"),
  urlencode: nullSafe((v, _a, _n, b) => after(b.text(v), (s) => piecewise(s, b, "urlencode", betweenCharacters, javaUrlEncode))),
  urldecode: nullSafe((v, _a, _n, b) => read(v, b, "urldecode", javaUrlDecode)),
  base64encode: nullSafe((v, _a, _n, b) =>
    read(v, b, "base64encode", (s) => {
      b.output(Math.ceil(Buffer.byteLength(s, "utf8") / 3) * 4, "base64encode");
      return Buffer.from(s, "utf8").toString("base64");
    }),
  ),
  // Java's decoder refuses what is not base64 (Buffer would skip it)
  base64decode: nullSafe((v, _a, _n, b) =>
    read(v, b, "base64decode", (s) => {
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.replace(/=+$/, "").length % 4 === 1) throw new ExpressionError(`base64decode: '${preview(s)}' is not base64`);
      return Buffer.from(s, "base64").toString("utf8");
    }),
  ),
  // NFD makes at most a few characters of one (charged as made); the rest only shrinks the text
  slugify: nullSafe((v, _a, _n, b) =>
    after(b.text(v), (s) => {
      b.chars(s.length * 2, "slugify");
      b.output(s.length * 4, "slugify");
      return slugify(s);
    }),
  ),
};

/** a filter's argument, by name or by position */
export const arg = (args: unknown[], named: Record<string, unknown>, index: number, name: string): unknown =>
  named[name] !== undefined ? named[name] : args[index];

/** text for a small argument (a format, a unit, a time zone): printed within the budget */
export function argText(value: unknown, b: RenderBudget, what: string): Maybe<string> {
  return value === null || typeof value !== "object" ? stringify(value) : b.text(value, what);
}
