import { isCalendarDate, MAX_NESTING, nestingDepth, parseDuration, parseJsonFromOutside, UserError, type ErrorDetail } from "@ferry/sdk";
import type { InputSpec, InputType, OutputSpec } from "./flow.types.js";
import { JAVA_INSTANT_END, javaDuration, javaFloat, javaInstant, javaTime, KESTRA_EMAIL, KESTRA_URI } from "./java-text.js";
import { BoundedCache } from "../bounded-cache.js";
import { parseYamlText } from "../yaml-unique-keys.js";

/** a decimal number as JSON and Java write one (no hex, no Infinity, no empty text) */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Kestra's INT is a Java Integer */
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/**
 * An input as its flow declares it: the rules of every Kestra input type (input.schema.ts
 * lets each type carry only its own). DURATION's min and max are durations, hence strings.
 */
export type InputRules = Omit<InputSpec, "min" | "max"> & {
  min?: number | string;
  max?: number | string;
  after?: string;
  before?: string;
  allowCustomValue?: boolean;
  allowedFileExtensions?: string[];
  autoSelectFirst?: boolean;
  /** the run form's starting value, never applied by the server (Kestra's prefill) */
  prefill?: unknown;
  rows?: { min?: number; max?: number };
};

/** the value of one of a SELECT's or MULTISELECT's values: the value itself, or the `value` of a `{label, value}` (Kestra's ValueOption) */
export function optionValue(option: unknown): string {
  return option && typeof option === "object" && !Array.isArray(option) && "value" in option ? String((option as { value: unknown }).value) : String(option);
}

/**
 * An input's default: its `defaults`, else, for a SELECT or MULTISELECT with autoSelectFirst,
 * the first of its values (as Kestra's SelectInput and MultiselectInput getDefaults answer).
 */
function defaultOf(spec: InputRules): unknown {
  if (spec.defaults !== undefined && spec.defaults !== null) return spec.defaults;
  if (!spec.autoSelectFirst || !spec.values?.length) return spec.defaults;
  const first = optionValue(spec.values[0]);
  return spec.type === "MULTISELECT" ? [first] : first;
}

function shallowEnough(value: unknown): unknown {
  if (nestingDepth(value, MAX_NESTING) > MAX_NESTING) throw new Error(`is nested more than ${MAX_NESTING} levels deep`);
  return value;
}

/**
 * Types a value the way Kestra's FlowInputOutput.parseType does: form fields arrive as
 * strings ("3", "true", a JSON document) and leave typed (3, true, an object). The rules a
 * typed value must then meet are `checkRules`'.
 */
export function typeValue(type: InputType, value: unknown, spec?: { id?: string; itemType?: InputType; properties?: InputSpec[]; columns?: InputSpec[] }): unknown {
  const text = () => (typeof value === "string" ? value : JSON.stringify(value));
  switch (type) {
    case "STRING":
    case "SECRET":
      return typeof value === "string" ? value : text();
    case "INT": {
      // digits only: Number() would also read "0x10" as 16, "1e3" as 1000 and [5] as 5
      const n = typeof value === "number" ? value : typeof value === "string" && /^[+-]?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
      if (!Number.isInteger(n)) throw new Error(`'${text()}' is not an integer`);
      // Kestra's INT is a Java Integer: beyond it a value would come back rounded (1e+23)
      if (n < INT_MIN || n > INT_MAX) throw new Error(`'${text()}' is out of range for an INT (${INT_MIN} to ${INT_MAX}); use FLOAT or STRING`);
      return n;
    }
    case "FLOAT": {
      // Kestra's Float.valueOf: a 32-bit float ("5f" and " 2.5 " read too); one beyond it is Infinity, which JSON cannot hold
      if (typeof value !== "number" && typeof value !== "string") throw new Error(`'${text()}' is not a number`);
      const n = javaFloat(value);
      if (n !== undefined) return n;
      if (typeof value === "number" || DECIMAL.test(value.trim().replace(/[fFdD]$/, ""))) throw new Error(`'${text()}' is out of range for a FLOAT (a 32-bit float)`);
      throw new Error(`'${text()}' is not a number`);
    }
    case "BOOLEAN":
      // Kestra's Boolean.valueOf: "true" in any case is true, any other text false ("yes" too)
      return typeof value === "boolean" ? value : String(value).toLowerCase() === "true";
    case "DATETIME": {
      const d = new Date(String(value));
      // Instant.parse: a local date-time (no Z, no offset) is refused, not read in the server's zone
      if (Number.isNaN(d.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(String(value)) || !JAVA_INSTANT_END.test(String(value)) || !isCalendarDate(String(value))) {
        throw new Error(`'${text()}' is not an ISO-8601 instant (a date-time with Z or an offset, as 2024-01-31T09:00:00Z)`);
      }
      return javaInstant(d);
    }
    case "DATE":
      if (!/^\d{4}-\d{2}-\d{2}$/.test(String(value)) || !isCalendarDate(String(value))) throw new Error(`'${text()}' is not a date (yyyy-MM-dd)`);
      return String(value);
    case "TIME":
      return javaTime(String(value));
    case "DURATION":
      return javaDuration(String(value));
    case "JSON":
      if (typeof value !== "string") return value;
      return shallowEnough(parseJsonFromOutside(value, "the value"));
    case "YAML":
      return typeof value === "string" ? shallowEnough(parseYamlText(value)) : value;
    case "SELECT":
    case "ENUM":
      return String(value);
    case "MULTISELECT":
    case "ARRAY": {
      let items = value;
      if (typeof value === "string") {
        try {
          items = JSON.parse(value);
        } catch {
          items = type === "MULTISELECT" ? value.split(",").map((s) => s.trim()) : undefined;
        }
      }
      if (!Array.isArray(items)) throw new Error(`'${text()}' is not a list`);
      const itemType = spec?.itemType;
      if (!itemType) return items;
      return items.map((item, i) => {
        try {
          return typeValue(itemType, item);
        } catch (error) {
          throw new Error(`item ${i}: ${(error as Error).message}`);
        }
      });
    }
    case "URI":
      // Kestra's pattern, not the WHATWG parser, which reads http:/bla as http://bla/
      if (!KESTRA_URI.test(String(value))) throw new Error(`'${text()}' is not a URI (scheme://host.domain/path)`);
      return String(value);
    case "EMAIL":
      if (!KESTRA_EMAIL.test(String(value))) throw new Error(`'${text()}' is not an email address`);
      return String(value);
    case "FILE":
      return String(value);
    case "OBJECT": {
      const object = typeof value === "string" ? parseJsonFromOutside(value, "the value") : value;
      if (!object || typeof object !== "object" || Array.isArray(object)) throw new Error(`'${text()}' is not an object`);
      return typedCells(object as Record<string, unknown>, spec?.properties ?? [], `${spec?.id ?? "the object"}.`);
    }
    case "TABLE": {
      const rows = typeof value === "string" ? parseJsonFromOutside(value, "the value") : value;
      if (!Array.isArray(rows)) throw new Error(`'${text()}' is not a list of rows`);
      const problems: string[] = [];
      const typed = rows.map((row, i) => {
        const at = `${spec?.id ?? "table"}[${i}]`;
        if (!row || typeof row !== "object" || Array.isArray(row)) {
          problems.push(`${at}: a row must be an object`);
          return row;
        }
        try {
          return typedCells(row as Record<string, unknown>, spec?.columns ?? [], `${at}.`);
        } catch (error) {
          problems.push((error as Error).message);
          return row;
        }
      });
      if (problems.length) throw new Error(problems.join("; "));
      return typed;
    }
  }
}

/**
 * An OBJECT's properties or a TABLE row's cells, as Kestra's FlowInputOutput.parseTable reads a
 * row: each declared one typed and checked by its own declaration, one given nothing (or '') null,
 * or refused when it is required (Kestra's Input.required defaults to true); undeclared keys are
 * dropped. Every problem is named by its path (`disks[1].size_gb: …`), all at once.
 */
function typedCells(given: Record<string, unknown>, declared: InputSpec[], path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const cell of declared as InputRules[]) {
    const value = given[cell.id];
    if (value === undefined || value === null || value === "") {
      if (cell.required !== false) problems.push(`${path}${cell.id}: it is required`);
      out[cell.id] = null;
      continue;
    }
    try {
      out[cell.id] = checkInputValue(cell, value);
    } catch (error) {
      problems.push(`${path}${cell.id}: ${(error as Error).message}`);
    }
  }
  if (problems.length) throw new Error(problems.join("; "));
  return out;
}

/** a limit's order: durations by length, times by the clock, the rest as they are */
function ordinal(type: InputType, value: unknown): number | string {
  if (type === "DURATION") return parseDuration(String(value));
  if (type === "DATETIME") return Date.parse(String(value));
  if (type === "TIME") {
    const [h, m, s = "0"] = String(value).split(":");
    return Number(h) * 3600 + Number(m) * 60 + Number(s);
  }
  return typeof value === "number" ? value : String(value);
}

const shown = (value: unknown) => (typeof value === "string" ? `'${value}'` : JSON.stringify(value));

/**
 * Checks a typed value against its input's rules, as Kestra's `Input.validate` of each type
 * does; bounds are inclusive. Throws naming the rule: `150 is more than max 120`.
 */
export function checkRules(spec: InputRules, typed: unknown): void {
  const { type } = spec;
  if ((type === "STRING" || type === "SECRET") && spec.validator !== undefined && !validatorRegex(spec.validator).test(String(typed))) {
    throw new Error(`${type === "SECRET" ? "the value" : shown(typed)} does not match validator '${spec.validator}'`);
  }
  if (type === "INT" || type === "FLOAT" || type === "DURATION") {
    if (spec.min !== undefined && ordinal(type, typed) < ordinal(type, spec.min)) throw new Error(`${typed} is less than min ${spec.min}`);
    if (spec.max !== undefined && ordinal(type, typed) > ordinal(type, spec.max)) throw new Error(`${typed} is more than max ${spec.max}`);
  }
  if (type === "DATETIME" || type === "DATE" || type === "TIME") {
    if (spec.after !== undefined && ordinal(type, typed) < ordinal(type, typeValue(type, spec.after))) throw new Error(`${typed} is earlier than after ${spec.after}`);
    if (spec.before !== undefined && ordinal(type, typed) > ordinal(type, typeValue(type, spec.before))) throw new Error(`${typed} is later than before ${spec.before}`);
  }
  if ((type === "SELECT" || type === "ENUM" || type === "MULTISELECT") && spec.values && !spec.allowCustomValue) {
    const allowed = spec.values.map(optionValue);
    for (const value of type === "MULTISELECT" ? (typed as unknown[]) : [typed]) {
      if (!allowed.includes(String(value))) throw new Error(`${shown(String(value))} is not one of the values ${allowed.join(", ")}`);
    }
  }
  // Kestra's TableInput.validate
  if (type === "TABLE" && spec.rows) {
    const count = (typed as unknown[]).length;
    if (spec.rows.min != null && count < spec.rows.min) throw new Error(`it must have at least ${spec.rows.min} row(s)`);
    if (spec.rows.max != null && count > spec.rows.max) throw new Error(`it must have at most ${spec.rows.max} row(s)`);
  }
  if (type === "FILE" && spec.allowedFileExtensions) {
    const name = String(typed).slice(String(typed).lastIndexOf("/") + 1);
    const extensions = spec.allowedFileExtensions.map((e) => (e.startsWith(".") ? e : `.${e}`).toLowerCase());
    if (!extensions.some((e) => name.toLowerCase().endsWith(e))) throw new Error(`'${name}' has none of the allowedFileExtensions ${extensions.join(", ")}`);
  }
}

/** types a value and checks it against its input's rules (throws naming what is wrong) */
export function checkInputValue(spec: InputRules, value: unknown): unknown {
  const typed = typeValue(spec.type, value, spec);
  checkRules(spec, typed);
  return typed;
}

/**
 * Builds an execution's typed inputs from what the caller gave: every way an execution
 * starts (API, webhook, schedule, Flow trigger, Subflow) comes through here. Missing
 * required inputs, values of the wrong type and values breaking a rule are all reported at
 * once (422), each naming the input and the rule; undeclared ones are dropped.
 */
export function resolveInputs(specs: InputSpec[] | undefined, given: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const errors: ErrorDetail[] = [];
  for (const spec of (specs ?? []) as InputRules[]) {
    let value = given[spec.id];
    if (value === undefined || value === null || value === "") value = defaultOf(spec);
    if (value === undefined || value === null || (value === "" && spec.type !== "STRING")) {
      if (spec.required !== false) errors.push({ path: `inputs.${spec.id}`, message: `input '${spec.id}' (${spec.type}) is required` });
      else out[spec.id] = null;
      continue;
    }
    try {
      out[spec.id] = checkInputValue(spec, value);
    } catch (error) {
      errors.push({ path: `inputs.${spec.id}`, message: `input '${spec.id}' (${spec.type}): ${(error as Error).message}` });
    }
  }
  if (errors.length) throw new UserError(`invalid inputs: ${errors.map((e) => e.message).join("; ")}`, { errors });
  return out;
}

/** Types rendered flow outputs by their declared types (INT '42' → 42). */
export function typeOutputs(specs: OutputSpec[], rendered: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of specs) out[spec.id] = rendered[spec.id] === null ? null : typeValue(spec.type, rendered[spec.id]);
  return out;
}

/** validator patterns compiled once */
const compiled = new BoundedCache<string, RegExp>(1000);

/** Java's POSIX classes are ASCII-only (JavaScript's \p{Alpha} is all of Unicode), and \h, \v, \s are Java's own sets */
const JAVA_SETS: Record<string, string> = {
  Lower: "a-z", Upper: "A-Z", ASCII: "\\x00-\\x7F", Alpha: "a-zA-Z", Digit: "0-9", Alnum: "a-zA-Z0-9", Punct: "!-\\/:-@\\[-`{-~",
  Graph: "!-~", Print: " -~", Blank: " \\t", Cntrl: "\\x00-\\x1F\\x7F", XDigit: "0-9a-fA-F", Space: " \\t\\n\\x0B\\f\\r",
  h: " \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000", v: "\\n\\x0B\\f\\r\\x85\\u2028\\u2029", s: " \\t\\n\\x0B\\f\\r",
};
const SAME_ESCAPES = "dDwWbBnrtfcxuk123456789";
/** what JavaScript lets a backslash escape in unicode mode; any other character is written plain */
const SYNTAX = "^$\\.*+?()[]{}|/";

/**
 * A STRING or SECRET `validator` as Kestra runs it: a Java regular expression the whole value
 * must match (`Matcher.matches`). Java syntax that JavaScript reads differently is translated
 * (`\A`, `\z`, `\Z`, `\Q…\E`, POSIX and Java classes, `\pL`, a leading `(?i)`) or refused,
 * never run with another meaning: possessive quantifiers, atomic groups, class unions and
 * intersections, inline flags past the start.
 */
export function validatorRegex(pattern: string): RegExp {
  const cached = compiled.get(pattern);
  if (cached) return cached;
  const refuse = (what: string): never => {
    throw new Error(`validator '${pattern}' uses ${what}, a Java regex feature Ferry does not support yet`);
  };
  const flags = new Set<string>();
  let unicode = false;
  let i = 0;
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1]) {
      if (f === "i" || f === "s" || f === "m") flags.add(f);
      else if (f === "u") unicode = true;
      else refuse(`the inline flag (?${f})`);
    }
    i = lead[0].length;
  }
  let out = "";
  let inClass = false;
  const set = (name: string, negated: boolean) => {
    if (!inClass) return `[${negated ? "^" : ""}${JAVA_SETS[name]}]`;
    return negated ? refuse(`a negated class \\P{${name}} inside [ ]`) : JAVA_SETS[name];
  };
  while (i < pattern.length) {
    const c = pattern[i];
    const next = pattern[i + 1];
    if (c === "\\") {
      if (next === undefined) throw new Error(`validator '${pattern}' ends with a lone backslash`);
      i += 2;
      if (next === "Q") {
        const end = pattern.indexOf("\\E", i);
        const literal = pattern.slice(i, end < 0 ? undefined : end);
        out += [...literal].map((ch) => (SYNTAX.includes(ch) || ch === "-" ? `\\${ch}` : ch)).join("");
        i = end < 0 ? pattern.length : end + 2;
      } else if (next === "A" && !inClass) out += "(?<![\\s\\S])";
      else if (next === "z" && !inClass) out += "(?![\\s\\S])";
      else if (next === "Z" && !inClass) out += "(?=(?:\\r?\\n)?(?![\\s\\S]))";
      else if (next === "p" || next === "P") {
        const braced = pattern[i] === "{";
        const name = braced ? pattern.slice(i + 1, pattern.indexOf("}", i)) : pattern[i];
        if (!name || (braced && pattern.indexOf("}", i) < 0)) refuse(`an unterminated \\${next}`);
        i += braced ? name.length + 2 : 1;
        if (name in JAVA_SETS && name.length > 1) out += set(name, next === "P");
        else if (/^[A-Z][a-z]?$/.test(name)) {
          unicode = true;
          out += `\\${next}{${name}}`;
        } else refuse(`the class \\${next}{${name}}`);
      } else if (next === "h" || next === "v" || next === "s") out += set(next, false);
      else if (next === "H" || next === "V" || (next === "S" && !inClass)) out += set(next.toLowerCase(), true);
      else if (next === "S") out += "\\S";
      else if (next === "x" && pattern[i] === "{") {
        const end = pattern.indexOf("}", i);
        if (end < 0) refuse("an unterminated \\x{");
        out += `\\u{${pattern.slice(i + 1, end)}}`;
        unicode = true;
        i = end + 1;
      } else if (next === "e") out += "\\x1B";
      else if (next === "a") out += "\\x07";
      else if (next === "0") refuse("an octal escape \\0");
      else if (/[a-zA-Z0-9]/.test(next)) {
        if (!SAME_ESCAPES.includes(next)) refuse(`\\${next}`);
        out += `\\${next}`;
      } else out += SYNTAX.includes(next) || (inClass && next === "-") ? `\\${next}` : next;
      continue;
    }
    if (inClass) {
      if (c === "[") refuse("a class inside a class (union)");
      if (c === "&" && next === "&") refuse("a class intersection (&&)");
      if (c === "]") inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === "[") {
      inClass = true;
      const negate = next === "^" ? "^" : "";
      i += 1 + negate.length;
      // Java reads a ']' first in a class as a character; JavaScript as the class's end
      const literalClose = pattern[i] === "]";
      if (literalClose) i++;
      out += `[${negate}${literalClose ? "\\]" : ""}`;
      continue;
    }
    if (c === "(" && next === "?") {
      const rest = pattern.slice(i + 2);
      if (rest.startsWith(">")) refuse("an atomic group (?>…)");
      if (!/^(?:[:=!]|<[=!]|<[a-zA-Z][a-zA-Z0-9]*>)/.test(rest)) refuse("an inline flag past the start");
      out += "(?";
      i += 2;
      continue;
    }
    const quantifier = c === "*" || c === "+" || c === "?" ? c : c === "{" ? /^\{\d+(?:,\d*)?\}/.exec(pattern.slice(i))?.[0] : undefined;
    if (c === "{" && !quantifier) refuse("a '{' that starts no repetition (write \\{)");
    if (c === "}" || c === "]") {
      // Java reads them as characters; JavaScript's unicode mode refuses them unescaped
      out += `\\${c}`;
      i++;
      continue;
    }
    if (quantifier) {
      out += quantifier;
      i += quantifier.length;
      if (pattern[i] === "+") refuse("a possessive quantifier");
      if (pattern[i] === "?") {
        out += "?";
        i++;
      }
      continue;
    }
    out += c;
    i++;
  }
  if (inClass) throw new Error(`validator '${pattern}' is not a valid regular expression: unclosed character class`);
  let regex: RegExp;
  try {
    regex = new RegExp(`^(?:${out})$`, [...flags].join("") + (unicode ? "u" : ""));
  } catch (error) {
    throw new Error(`validator '${pattern}' is not a valid regular expression: ${(error as Error).message.replace(/^Invalid regular expression: /, "")}`);
  }
  compiled.set(pattern, regex);
  return regex;
}
