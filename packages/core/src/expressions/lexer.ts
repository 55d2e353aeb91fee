import { ExpressionError } from "./expression.error.js";

/**
 * A string literal's pieces: text, or the source of an interpolated `#{ expression }` (Pebble
 * interpolates double-quoted strings only).
 */
export type StringPart = { text: string } | { expr: string; pos: number };

export type Token =
  | { kind: "num"; value: number; pos: number; float: boolean }
  | { kind: "str"; value: string; pos: number }
  | { kind: "interp"; parts: StringPart[]; pos: number }
  | { kind: "name"; value: string; pos: number }
  | { kind: "op"; value: string; pos: number }
  | { kind: "end"; pos: number };

// longest first, so `???` wins over `??` and `==` over `=`; `&&`, `||` and `!` are Ferry's
// aliases of `and`, `or` and `not`, kept from before it followed Pebble's operator table
const OPERATORS = ["???", "..", "??", "==", "!=", "<=", ">=", "&&", "||", "(", ")", "[", "]", "{", "}", ",", ".", ":", "?", "|", "+", "-", "*", "/", "%", "<", ">", "=", "~", "!"];

// Pebble's REGEX_IDENTIFIER: a letter or underscore, then letters, digits and underscores
const NAME = /[\p{L}_$][\p{L}\p{N}_$]*/uy;
// Pebble's REGEX_LONG and REGEX_NUMBER (an exponent is Ferry's addition)
const NUMBER = /\d+(\.\d+)?([eE][+-]?\d+)?([lL](?![\p{L}\p{N}_]))?/uy;

/** Splits one expression (the text between `{{` and `}}`) into tokens. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === " " || c === "\n" || c === "\t" || c === "\r" || /\s/.test(c)) {
      i++;
      continue;
    }
    if (c >= "0" && c <= "9") {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(source)!;
      // `1..3` is a range: the fraction needs a digit after the dot, so `1.` is not read
      tokens.push({ kind: "num", value: Number(m[0].replace(/[lL]$/, "")), pos: i, float: m[1] !== undefined || m[2] !== undefined });
      i += m[0].length;
      continue;
    }
    if (c === "'" || c === '"') {
      const { token, end } = readString(source, i);
      tokens.push(token);
      i = end;
      continue;
    }
    NAME.lastIndex = i;
    const name = NAME.exec(source);
    if (name) {
      tokens.push({ kind: "name", value: name[0], pos: i });
      i += name[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character '${c}' at ${i + 1}`);
    tokens.push({ kind: "op", value: op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: "end", pos: source.length });
  return tokens;
}

/**
 * A quoted string from `start`, as Pebble's lexer reads it: a backslash keeps the next
 * character inside the string; then only `\'` (in single quotes), `\"` (in double quotes) and
 * `\\` are unescaped, so `'\d'` stays `\d` and `'\n'` is a backslash and an n. A double-quoted
 * string holding `#{…}` is interpolated.
 */
function readString(source: string, start: number): { token: Token; end: number } {
  const quote = source[start];
  const parts: StringPart[] = [];
  let raw = "";
  let j = start + 1;
  const flush = () => {
    if (raw) parts.push({ text: unescape(raw, quote) });
    raw = "";
  };
  while (j < source.length && source[j] !== quote) {
    if (source[j] === "\\" && j + 1 < source.length) {
      raw += source.slice(j, j + 2);
      j += 2;
    } else if (quote === '"' && source.startsWith("#{", j)) {
      flush();
      const close = closingBrace(source, j + 2);
      if (close < 0) throw new ExpressionError(`unclosed '#{' at ${j + 1}`);
      parts.push({ expr: source.slice(j + 2, close), pos: j + 2 });
      j = close + 1;
    } else raw += source[j++];
  }
  if (j >= source.length) throw new ExpressionError(`unterminated string starting at ${start + 1}`);
  flush();
  const end = j + 1;
  if (parts.some((p) => "expr" in p)) return { token: { kind: "interp", parts, pos: start }, end };
  return { token: { kind: "str", value: parts.map((p) => (p as { text: string }).text).join(""), pos: start }, end };
}

function unescape(raw: string, quote: string): string {
  return raw.replaceAll(`\\${quote}`, quote).replaceAll("\\\\", "\\");
}

/** the `}` closing an interpolation opened before `from`, skipping nested braces and strings */
function closingBrace(source: string, from: number): number {
  let depth = 0;
  for (let i = from; i < source.length; i++) {
    const c = source[i];
    if (c === "'" || c === '"') {
      for (i++; i < source.length && source[i] !== c; i++) if (source[i] === "\\") i++;
    } else if (c === "{") depth++;
    else if (c === "}") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}
