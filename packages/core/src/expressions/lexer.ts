import { ExpressionError } from "./expression.error.js";

export type Token =
  | { kind: "num"; value: number; pos: number }
  | { kind: "str"; value: string; pos: number }
  | { kind: "name"; value: string; pos: number }
  | { kind: "op"; value: string; pos: number }
  | { kind: "end"; pos: number };

// longest first, so `??` wins over `?` and `==` over `=`
const OPERATORS = ["..", "??", "==", "!=", "<=", ">=", "//", "&&", "||", "(", ")", "[", "]", "{", "}", ",", ".", ":", "?", "|", "+", "-", "*", "/", "%", "<", ">", "=", "~", "!"];

/** Splits one expression (the text between `{{` and `}}`) into tokens. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^\d+(\.\d+)?([eE][+-]?\d+)?/.exec(source.slice(i))!;
      // `1..3` is a range, not the number `1.`
      const text = m[0];
      tokens.push({ kind: "num", value: Number(text), pos: i });
      i += text.length;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let out = "";
      while (j < source.length && source[j] !== c) {
        if (source[j] === "\\" && j + 1 < source.length) {
          const n = source[j + 1];
          out += n === "n" ? "\n" : n === "t" ? "\t" : n === "r" ? "\r" : n;
          j += 2;
        } else {
          out += source[j++];
        }
      }
      if (j >= source.length) throw new ExpressionError(`unterminated string starting at ${i}`);
      tokens.push({ kind: "str", value: out, pos: i });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(source.slice(i))!;
      tokens.push({ kind: "name", value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => source.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character '${c}' at ${i}`);
    tokens.push({ kind: "op", value: op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: "end", pos: source.length });
  return tokens;
}
