import type { RunContext } from "@ferry/sdk";

// a template that is one `{{ … }}` and nothing else (whitespace control marks allowed)
const SOLE_EXPRESSION = /^\{\{-?([\s\S]*?)-?\}\}$/;

/**
 * Kestra's RunContext.renderTyped (VariableRenderer with its TypedObjectWriter): a string that is
 * one expression gives that expression's value with its type (a map, a list, a number); any
 * other value renders as usual. Its value is carried through JSON (`toJson`), so what a task
 * gets is plain data.
 */
export async function renderTyped(ctx: RunContext, value: unknown): Promise<unknown> {
  const sole = typeof value === "string" ? SOLE_EXPRESSION.exec(value) : null;
  if (!sole || sole[1].includes("{{") || sole[1].includes("}}")) return ctx.render(value);
  let json: unknown;
  try {
    json = await ctx.render(`{{ (${sole[1]}) | toJson }}`);
  } catch {
    // the error in the words of what the flow wrote (an undefined variable names its template)
    return ctx.render(value);
  }
  return JSON.parse(String(json));
}
