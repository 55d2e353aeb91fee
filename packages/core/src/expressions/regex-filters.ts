import { ExpressionError } from "./expression.error.js";
import type { Filter } from "./filters.js";
import { javaString } from "./java-text.js";
import type { RenderBudget } from "./render-limits.js";
import { regexFind, regexReplace } from "./sandbox.js";
import { arg, argText, javaRegex, javaReplacement } from "./text-filters.js";
import { preview } from "./values.js";

/*
 * Kestra's regular-expression filters (RegexMatchFilter, RegexExtractFilter, RegexReplaceFilter):
 * the input is read as its Java toString, the `regex` argument is required, and the pattern
 * runs on the sandbox thread within the render's time (a pattern that backtracks forever ends
 * at timeoutMs instead of holding the server).
 */

/** the input as Java's toString prints it, measured and charged first */
async function inputText(v: unknown, b: RenderBudget, what: string): Promise<string> {
  if (typeof v === "string") {
    b.chars(v.length, what);
    return v;
  }
  if (v !== null && typeof v === "object") await b.json(v, what);
  const text = javaString(v, b.limits.maxOutputLength + 1);
  b.chars(text.length, what);
  return text;
}

/** the required `regex` argument, as a JavaScript pattern */
async function regexArg(args: unknown[], named: Record<string, unknown>, b: RenderBudget, what: string) {
  const regex = arg(args, named, 0, "regex");
  if (regex === null || regex === undefined) throw new ExpressionError(`The argument 'regex' is required.`);
  return javaRegex(await argText(regex, b, what));
}

const time = (b: RenderBudget) => ({ remainingMs: b.remainingMs(), limitMs: b.limits.timeoutMs });

export const REGEX_FILTERS: Record<string, Filter> = {
  // whether the pattern is found anywhere in the input (Matcher.find); null is false
  regexMatch: async (v, args, named, b) => {
    if (v === null || v === undefined) return false;
    const re = await regexArg(args, named, b, "regexMatch");
    return (await regexFind(await inputText(v, b, "regexMatch"), re.source, re.flags, time(b))) !== null;
  },
  // the first match, or its capture group `group` (0, the whole match, by default); null when nothing matches
  regexExtract: async (v, args, named, b) => {
    if (v === null || v === undefined) return null;
    const re = await regexArg(args, named, b, "regexExtract");
    const groupArg = arg(args, named, 1, "group");
    const group = groupArg === null || groupArg === undefined ? 0 : Math.trunc(Number(groupArg));
    if (!Number.isFinite(group)) throw new ExpressionError(`regexExtract: 'group' must be a number, got '${preview(groupArg)}'`);
    const found = await regexFind(await inputText(v, b, "regexExtract"), re.source, re.flags, time(b));
    if (found === null) return null;
    // Matcher.group(n) past the pattern's groups throws
    if (group < 0 || group >= found.length) throw new ExpressionError(`regexExtract: No group ${group}`);
    return found[group];
  },
  // every match replaced; $1 and ${name} in the replacement name groups, \$ is a dollar (Matcher.replaceAll)
  regexReplace: async (v, args, named, b) => {
    if (v === null || v === undefined) return null;
    const re = await regexArg(args, named, b, "regexReplace");
    const replacement = arg(args, named, 1, "replacement");
    if (replacement === null || replacement === undefined) throw new ExpressionError(`The argument 'replacement' is required.`);
    const input = await inputText(v, b, "regexReplace");
    const out = await regexReplace(input, re.source, `g${re.flags}`, javaReplacement(await argText(replacement, b, "regexReplace")), time(b));
    b.output(out.length, "regexReplace");
    return out;
  },
};
