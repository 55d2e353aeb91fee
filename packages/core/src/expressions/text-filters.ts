import type { Filter } from "./filters.js";
import { after, type Maybe } from "./maybe.js";
import type { RenderBudget } from "./render-limits.js";
import { stringify } from "./values.js";

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
 * How many pieces `s.split(sep)` makes, counting no further than just past `max`: one step per
 * piece found, pausing when due.
 */
async function pieces(s: string, sep: string, max: number, b: RenderBudget, what: string): Promise<number> {
  if (sep === "") {
    b.charge(s.length, what);
    return s.length;
  }
  let n = 1;
  for (let at = s.indexOf(sep); at >= 0 && n <= max; at = s.indexOf(sep, at + sep.length)) {
    if (++n % 1024 === 0) {
      b.charge(1024, what);
      if (b.due) await b.pause();
    }
  }
  b.charge(n % 1024, what);
  return n;
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

export const TEXT_FILTERS: Record<string, Filter> = {
  // case mappings are per character (upper case can grow a string: ß → SS); lower case looks at
  // the neighbours of a Σ, up to the next space, so it is cut only before a space
  upper: (v, _a, _n, b) => after(b.text(v), (s) => piecewise(s, b, "upper", betweenCharacters, (p) => p.toUpperCase())),
  lower: (v, _a, _n, b) => after(b.text(v), (s) => piecewise(s, b, "lower", beforeSpace, (p) => p.toLowerCase())),
  capitalize: (v, _a, _n, b) => after(b.text(v), (s) => s.charAt(0).toUpperCase() + s.slice(1)),
  // a callback per word: a step per word besides the characters
  title: (v, _a, _n, b) =>
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
  trim: (v, _a, _n, b) => read(v, b, "trim", (s) => s.trim()),
  split: async (v, args, named, b) => {
    const s = await read(v, b, "split", (s) => s);
    const sep = await b.text(arg(args, named, 0, "delimiter"));
    const n = await pieces(s, sep, b.limits.maxCollectionSize, b, "split");
    b.collection(n, "split");
    return s.split(sep);
  },
  replace: async (v, args, named, b) => {
    let s = await b.text(v);
    const map = arg(args, named, 0, "replace_pairs");
    if (!map || typeof map !== "object") return s;
    for (const [from, value] of Object.entries(map)) {
      const to = await b.text(value);
      if (from !== "") s = await replaceAllWithin(s, from, to, b);
      else {
        // between every two characters, as split('') does
        b.collection(s.length, "replace");
        b.charge(s.length, "replace");
        b.output(s.length + Math.max(0, s.length - 1) * to.length, "replace");
        s = s.split("").join(to);
      }
      if (b.due) await b.pause();
    }
    return s;
  },
  abbreviate: async (v, args, named, b) => {
    const s = await b.text(v, "abbreviate");
    const n = Number(arg(args, named, 0, "length"));
    return s.length <= n ? s : s.slice(0, Math.max(0, n - 3)) + "...";
  },
  startsWith: async (v, args, _n, b) => {
    const [s, prefix] = await Promise.all([b.text(v, "startsWith"), b.text(args[0], "startsWith")]);
    b.chars(prefix.length, "startsWith");
    return s.startsWith(prefix);
  },
  endsWith: async (v, args, _n, b) => {
    const [s, suffix] = await Promise.all([b.text(v, "endsWith"), b.text(args[0], "endsWith")]);
    b.chars(suffix.length, "endsWith");
    return s.endsWith(suffix);
  },
  urlencode: (v, _a, _n, b) => after(b.text(v), (s) => piecewise(s, b, "urlencode", betweenCharacters, encodeURIComponent)),
  urldecode: (v, _a, _n, b) => read(v, b, "urldecode", decodeURIComponent),
  base64encode: (v, _a, _n, b) =>
    read(v, b, "base64encode", (s) => {
      b.output(Math.ceil(Buffer.byteLength(s, "utf8") / 3) * 4, "base64encode");
      return Buffer.from(s, "utf8").toString("base64");
    }),
  base64decode: (v, _a, _n, b) => read(v, b, "base64decode", (s) => Buffer.from(s, "base64").toString("utf8")),
  // NFKD can make 18 characters of one (charged as made); everything but [\w\s-] goes, so a cut
  // anywhere between characters changes nothing
  slugify: (v, _a, _n, b) => {
    const slug = (s: string) => {
      const decomposed = s.toLowerCase().normalize("NFKD");
      b.chars(decomposed.length, "slugify");
      return decomposed.replace(/[^\w\s-]/g, "");
    };
    return after(
      after(b.text(v), (s) => piecewise(s, b, "slugify", betweenCharacters, slug)),
      (kept) => {
        b.chars(kept.length, "slugify");
        return kept.trim().replace(/[\s_-]+/g, "-");
      },
    );
  },
};

/** a filter's argument, by name or by position */
export const arg = (args: unknown[], named: Record<string, unknown>, index: number, name: string): unknown =>
  named[name] !== undefined ? named[name] : args[index];

/** text for a small argument (a format, a unit, a time zone): printed within the budget */
export function argText(value: unknown, b: RenderBudget, what: string): Maybe<string> {
  return value === null || typeof value !== "object" ? stringify(value) : b.text(value, what);
}
