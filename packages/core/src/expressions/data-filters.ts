import { createRequire } from "node:module";
import { JavaDouble, parseJson as parseJavaJson, toDouble } from "@ferry/sdk";
import { ExpressionError } from "./expression.error.js";
import type { Builtin, Filter } from "./filters.js";
import { javaDouble, javaNumber } from "./java-text.js";
import { runJq } from "./sandbox.js";
import { checkParsed, scanJson } from "./nesting.js";
import { DEFAULT_NUMBER_FORMAT, formatDecimal } from "./number-format.js";
import type { RenderBudget } from "./render-limits.js";
import { arg, argText } from "./text-filters.js";
import { parseYamlText } from "../yaml-unique-keys.js";
import { preview } from "./values.js";
import { toYamlText } from "./yaml-text.js";

/** ion-js takes ~0.1 s to load: loaded at the first fromIon/toIon, not at every start */
let ionModule: typeof import("ion-js") | undefined;
const ion = () => (ionModule ??= createRequire(import.meta.url)("ion-js") as typeof import("ion-js"));

/*
 * Filters and functions that turn values into data formats and back: JSON, YAML, Amazon Ion,
 * jq, and Kestra's number and numberFormat. Every text read is charged and scanned before it
 * is parsed, and every value made is checked for depth and size (nesting.ts).
 */

/** JSON text parsed into a value within maxDepth and maxCollectionSize, refused before parsing when it can be */
export async function parseJson(text: string, b: RenderBudget, what: string): Promise<unknown> {
  scanJson(text, b, what);
  let value: unknown;
  try {
    // Jackson's reading: `6.0` stays a Double
    value = parseJavaJson(text);
  } catch (error) {
    throw new ExpressionError(`${what}: '${preview(text)}' is not JSON: ${(error as Error).message}`, { cause: error });
  }
  await checkParsed(value, b, what);
  return value;
}

/** a value measured (size, depth; a string's characters) before it is printed in another format */
async function measured(value: unknown, b: RenderBudget, what: string): Promise<void> {
  if (value !== null && typeof value === "object") await b.json(value, what);
  else if (typeof value === "string") {
    b.chars(value.length, what);
    // quoted and escaped, a string may double
    b.output(value.length * 2 + 2, what);
  }
}

/** a copy with every JavaDouble as its number, for a library that knows only plain values (ion-js); measured already */
function withoutDoubles(value: unknown): unknown {
  if (value instanceof JavaDouble) return value.value;
  if (Array.isArray(value)) return value.map(withoutDoubles);
  if (value === null || typeof value !== "object" || value instanceof Date || value instanceof Uint8Array) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutDoubles(v)]));
}

/** Ion text or binary as plain values: the first value, or every one with allRows (FromIonFunction) */
async function fromIon(input: unknown, allRows: boolean, b: RenderBudget): Promise<unknown> {
  if (input === null || input === undefined) return null;
  const source = input instanceof Uint8Array ? input : typeof input === "string" ? input : undefined;
  if (source === undefined) throw new ExpressionError(`fromIon: expects Ion text, got '${preview(input)}'`);
  b.chars(source.length, "fromIon()");
  b.output(source.length, "fromIon()");
  let values: unknown[];
  try {
    values = allRows ? ion().loadAll(source) : [ion().load(source)];
  } catch (error) {
    throw new ExpressionError(`fromIon: invalid Ion: ${(error as Error).message}`, { cause: error });
  }
  // Ion's own types (Timestamp, Decimal, Struct) as JSON reads them: text, numbers, maps
  const plain = values.map((v) => (v === null ? null : parseWithin(JSON.stringify(v), b)));
  const out = allRows ? await Promise.all(plain) : await plain[0];
  await checkParsed(out, b, "fromIon()");
  return out;
}

const parseWithin = (text: string, b: RenderBudget) => parseJson(text, b, "fromIon()");

/** YAML text as a value (YamlFunction); alias bombs refused by the parser's alias limit */
async function fromYaml(input: unknown, b: RenderBudget): Promise<unknown> {
  if (input === null || input === undefined) return null;
  if (typeof input !== "string") throw new ExpressionError(`yaml(): expects YAML text, got '${preview(input)}'`);
  b.chars(input.length, "yaml()");
  let value: unknown;
  try {
    value = parseYamlText(input, { maxAliasCount: 100 });
  } catch (error) {
    throw new ExpressionError(`yaml(): invalid YAML: ${(error as Error).message}`, { cause: error });
  }
  await checkParsed(value, b, "yaml()");
  return value ?? null;
}

/** NumberUtils.createNumber and friends: text as the number type asked for, or the smallest that holds it */
function toNumberOfType(text: string, type: string): number | bigint | JavaDouble {
  const s = text.trim();
  const integer = /^[+-]?(0[xX][0-9a-fA-F]+|\d+)[lL]?$/.test(s);
  const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[fFdD]?$/.test(s);
  if (!integer && !decimal) throw new ExpressionError(`number: '${preview(text)}' is not a valid number`);
  const whole = () => {
    const digits = s.replace(/[lL]$/, "");
    const big = /^[+-]?0[xX]/.test(digits) ? BigInt(digits.replace(/^([+-]?)0[xX]/, "$10x").replace(/^-0x/, "-0x")) : BigInt(digits);
    return Number.isSafeInteger(Number(big)) ? Number(big) : big;
  };
  switch (type) {
    case "INT":
    case "LONG":
    case "BIGINTEGER":
      if (!integer) throw new ExpressionError(`number: '${preview(text)}' is not a whole number (${type})`);
      return whole();
    case "FLOAT":
    case "DOUBLE":
      // a Float or a Double: `'6' | number('DOUBLE')` prints 6.0
      return toDouble(Number(s.replace(/[fFdDlL]$/, "")));
    case "BIGDECIMAL":
      return Number(s.replace(/[fFdDlL]$/, ""));
    case "":
      // commons-lang's createNumber: a Float or a Double for any text with a point or an exponent
      return integer ? whole() : toDouble(Number(s.replace(/[fFdD]$/, "")));
    default:
      throw new ExpressionError(`number: unknown type '${preview(type)}' (INT, FLOAT, LONG, DOUBLE, BIGDECIMAL or BIGINTEGER)`);
  }
}

/**
 * jq over a value (JqFilter): text is read as JSON first, every result of the program is kept,
 * in a list. Runs as real jq (jq-runner.ts), within what is left of the render's time.
 */
async function jq(input: unknown, program: unknown, b: RenderBudget): Promise<unknown> {
  if (input === null || input === undefined) return null;
  if (typeof program !== "string") throw new ExpressionError("The 'jq' filter expects an argument 'expression'.");
  const json = typeof input === "string" ? input : await b.json(input, "jq");
  if (typeof input === "string") scanJson(input, b, "jq");
  b.chars(json.length, "jq");
  let output: string;
  try {
    // an empty text is no JSON value at all: jq runs on nothing and gives nothing (found by expression-fuzz.test.ts)
    output = (await runJq(json, program, { remainingMs: b.remainingMs(), limitMs: b.limits.timeoutMs })) ?? "";
  } catch (error) {
    if (error instanceof ExpressionError && error.constructor !== ExpressionError) throw error;
    throw new ExpressionError(`Unable to parse jq value '${preview(input)}' with expression '${preview(program)}': ${(error as Error).message}`, { cause: error });
  }
  b.check();
  const lines = output.split("\n").filter((line) => line !== "");
  b.collection(lines.length, "jq");
  const results: unknown[] = [];
  for (const line of lines) results.push(await parseJson(line, b, "jq"));
  return results;
}

export const DATA_FILTERS: Record<string, Filter> = {
  toJson: (v, _a, _n, b) => b.json(v ?? null),
  // the name toJson had before Kestra 0.18, kept by Kestra
  json: (v, _a, _n, b) => b.json(v ?? null),
  yaml: async (v, _a, _n, b) => {
    if (v === null || v === undefined) return "null";
    await measured(v, b, "yaml");
    return toYamlText(v);
  },
  toIon: async (v, _a, _n, b) => {
    if (v === null || v === undefined) return "null";
    await measured(v, b, "toIon");
    return ion().dumpText(withoutDoubles(v));
  },
  jq: (v, args, named, b) => jq(v, arg(args, named, 0, "expression"), b),
  number: async (v, args, named, b) => {
    if (v === null || v === undefined) return null;
    if (typeof v !== "string") throw new ExpressionError(`'number' filter can only be applied to String. Actual value was: '${preview(v)}'`);
    const type = arg(args, named, 0, "type");
    return toNumberOfType(v, type === undefined || type === null ? "" : await argText(type, b, "number"));
  },
  numberFormat: async (v, args, named, b) => {
    if (v === null || v === undefined) return null;
    if (typeof v !== "number" && typeof v !== "bigint") throw new ExpressionError(`The input for the 'numberFormat' filter has to be a number, got '${preview(v)}'`);
    const format = arg(args, named, 0, "format");
    return formatDecimal(Number(v), format === undefined || format === null ? DEFAULT_NUMBER_FORMAT : await argText(format, b, "numberFormat"));
  },
  string: async (v, _a, _n, b) => {
    if (v === null || v === undefined) return null;
    if (typeof v === "number") return javaNumber(v);
    if (v instanceof JavaDouble) return javaDouble(v.value);
    if (typeof v === "string") return v;
    return b.text(v, "string");
  },
};

export const DATA_FUNCTIONS: Record<string, Builtin> = {
  fromJson: async (args, named, b) => {
    if (args.length === 0 && !("json" in named)) throw new ExpressionError("The 'fromJson' function expects an argument 'json'.");
    const input = arg(args, named, 0, "json");
    return input === null || input === undefined ? null : parseJson(await b.text(input, "fromJson"), b, "fromJson()");
  },
  // the name fromJson had before Kestra 0.18: a value already parsed is returned as it is
  json: async (args, named, b) => {
    const input = arg(args, named, 0, "json");
    if (input === null || input === undefined) return null;
    if (typeof input === "string") return parseJson(input, b, "json()");
    await checkParsed(input, b, "json()");
    return input;
  },
  yaml: (args, named, b) => fromYaml(arg(args, named, 0, "input"), b),
  // Kestra's LoopOutputsFunction: one declared output of a Loop across its iterations, null where an iteration has none
  loopOutputs: (args, named) => {
    const outputs = arg(args, named, 0, "outputs");
    const name = arg(args, named, 1, "name");
    if (outputs === null || outputs === undefined) throw new ExpressionError("The 'loopOutputs' function expects a non-null argument 'outputs'.");
    if (!Array.isArray(outputs)) throw new ExpressionError("The 'loopOutputs' function expects 'outputs' to be a list.");
    if (name === null || name === undefined) throw new ExpressionError("The 'loopOutputs' function expects a non-null argument 'name'.");
    if (typeof name !== "string") throw new ExpressionError("The 'loopOutputs' function expects 'name' to be a string.");
    return outputs.map((iteration) => {
      const own = iteration && typeof iteration === "object" ? (iteration as Record<string, unknown>).outputs : undefined;
      return own && typeof own === "object" && !Array.isArray(own) ? ((own as Record<string, unknown>)[name] ?? null) : null;
    });
  },
  fromIon: (args, named, b) => {
    if (args.length === 0 && !("ion" in named)) throw new ExpressionError("The 'fromIon' function expects an argument 'ion'.");
    return fromIon(arg(args, named, 0, "ion"), arg(args, named, 1, "allRows") === true, b);
  },
};
