/**
 * A value as Kestra's `yaml` filter prints it (YamlFilter: Jackson's YAML generator with
 * MINIMIZE_QUOTES and INDENT_ARRAYS, no `---`): block style, list items indented by one
 * (` - a`), map entries by two, strings plain unless YAML would read them as something else.
 * Strings spanning lines print double-quoted with `\n` escapes (Jackson leaves them to
 * SnakeYAML's single-quoted folding; both read back as the same string).
 */
import { JavaDouble } from "@ferry/sdk";
import { javaDouble, javaNumber } from "./java-text.js";

// Jackson's StringQuotingChecker: words YAML 1.1 reads as booleans or null
const RESERVED = new Set(["~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes", "Yes", "YES", "no", "No", "NO", "y", "Y", "n", "N", "on", "On", "ON", "off", "Off", "OFF"]);

/** Jackson quotes (with double quotes) reserved words, empty text, and text with []{}, `: ` or ` #` */
function jacksonQuotes(s: string): boolean {
  if (s.length === 0 || RESERVED.has(s)) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "[" || c === "]" || c === "{" || c === "}" || c === ",") return true;
    if (c === "#" && i > 0 && (s[i - 1] === " " || s[i - 1] === "\t")) return true;
    if (c === ":" && i < s.length - 1 && (s[i + 1] === " " || s[i + 1] === "\t")) return true;
  }
  return false;
}

/** SnakeYAML's analysis of a plain scalar in block context: no indicator first, no line break, no edge spaces */
function plainAllowed(s: string): boolean {
  if (/[\n\r\u0085\u2028\u2029]/.test(s) || /[^\t\n\r\x20-\x7e\u0085\u00a0-\ud7ff\ue000-\ufffd\ud800-\udfff]/.test(s)) return false;
  if (s[0] === " " || s[s.length - 1] === " " || s[0] === "\t") return false;
  if ("#,[]{}&*!|>'\"%@`".includes(s[0])) return false;
  if ("?:-".includes(s[0]) && (s.length === 1 || s[1] === " ")) return false;
  if (/: |:$| #/.test(s)) return false;
  return true;
}

function singleQuotable(s: string): boolean {
  return !/[\n\r\u0085\u2028\u2029]/.test(s) && !/[^\t\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd\ud800-\udfff]/.test(s);
}

function doubleQuoted(s: string): string {
  return JSON.stringify(s);
}

// Jackson quotes a key that is a reserved word or reads as a number (needToQuoteName)
const NUMBER_LIKE = /^[-+]?(?:\.\d+|\d+(?:\.\d*)?)(?:[eE][-+]?\d+)?$/;

function scalarText(value: unknown, key = false): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return javaNumber(value);
  if (value instanceof JavaDouble) return javaDouble(value.value);
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  const s = String(value);
  if (key ? s.length === 0 || RESERVED.has(s) || NUMBER_LIKE.test(s) : jacksonQuotes(s)) return doubleQuoted(s);
  if (plainAllowed(s)) return s;
  if (singleQuotable(s)) return `'${s.replaceAll("'", "''")}'`;
  return doubleQuoted(s);
}

const isCollection = (v: unknown): v is object => v !== null && typeof v === "object" && !(v instanceof Uint8Array) && !(v instanceof JavaDouble);
const isEmptyCollection = (v: object) => (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);

/** the lines of `value` at `indent` spaces; `first` is what the first line starts with instead of its indent */
function lines(value: unknown, indent: number, out: string[], first?: string): void {
  const pad = " ".repeat(indent);
  const lead = (i: number) => (i === 0 && first !== undefined ? first : pad);
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      const head = `${lead(i)} - `;
      if (isCollection(item) && !isEmptyCollection(item)) lines(item, indent + 3, out, head);
      else out.push(`${head}${isCollection(item) ? (Array.isArray(item) ? "[]" : "{}") : scalarText(item)}`);
    });
    return;
  }
  Object.entries(value as Record<string, unknown>).forEach(([k, v], i) => {
    const head = `${lead(i)}${scalarText(k, true)}:`;
    if (!isCollection(v) || isEmptyCollection(v)) out.push(`${head} ${isCollection(v) ? (Array.isArray(v) ? "[]" : "{}") : scalarText(v)}`);
    else {
      out.push(head);
      lines(v, Array.isArray(v) ? indent : indent + 2, out);
    }
  });
}

/** the YAML text, each line ended by a line break, as Jackson writes it */
export function toYamlText(value: unknown): string {
  if (!isCollection(value)) return `${scalarText(value)}\n`;
  if (isEmptyCollection(value)) return Array.isArray(value) ? "[]\n" : "{}\n";
  const out: string[] = [];
  lines(value, 0, out);
  return `${out.join("\n")}\n`;
}
