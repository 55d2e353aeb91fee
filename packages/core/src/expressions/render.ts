import { FerryError } from "@ferry/sdk";
import { BoundedCache } from "../bounded-cache.js";
import type { Node } from "./ast.js";
import { evaluate, Output, renderNodes, type RenderContext } from "./evaluator.js";
import { ExpressionError, unableToFind, UndefinedError } from "./expression.error.js";
import { parseExpression } from "./parser.js";
import { RenderBudget } from "./render-limits.js";
import { parsed } from "./template-cache.js";
import { unknownNames } from "./template-check.js";

// `{#` opens a comment: a template of only a comment renders to nothing
const TEMPLATE_MARK = /\{[{%#]/;

export function hasTemplate(value: string): boolean {
  return TEMPLATE_MARK.test(value);
}

/**
 * Checks a template without evaluating it: its syntax, and that every filter, function and
 * test it names exists. Throws ExpressionError naming what is wrong.
 */
export function checkTemplate(template: string): void {
  if (!hasTemplate(template)) return;
  const problems = unknownNames(parsed(template));
  if (problems.length) throw new ExpressionError(problems.join("; "));
}

/**
 * Renders one template string authored in a flow. The result is never rendered again.
 * Each call has its own budget (RenderLimits); going past it throws RenderLimitError.
 */
export async function renderString(template: string, ctx: RenderContext): Promise<string> {
  if (!hasTemplate(template)) return template;
  return renderWithin(template, ctx, new RenderBudget(ctx.limits, ctx.signal));
}

async function renderWithin(template: string, ctx: RenderContext, budget: RenderBudget): Promise<string> {
  if (!hasTemplate(template)) return template;
  const out = new Output(budget);
  try {
    const t = parsed(template, budget.limits.maxDepth);
    await renderNodes(t.nodes, { ctx, locals: new Map(), budget, template: t }, out, 1);
  } catch (error) {
    if (error instanceof UndefinedError && error.attribute !== undefined && error.template === undefined) throw unableToFind(error, template);
    // our own errors (a missing secret, a backend out of reach, a limit) keep their kind and words, as does an abort reason
    if (error instanceof FerryError || budget.isAbort(error)) throw error;
    throw new ExpressionError(`cannot render '${template}': ${(error as Error).message}`, { cause: error });
  }
  return out.toString();
}

/**
 * Renders every string in a value authored in a flow (maps and lists recursively); other
 * scalars keep their type, as Kestra's renderObject does. The whole value shares one budget.
 */
export async function renderValue(value: unknown, ctx: RenderContext): Promise<unknown> {
  return renderValueWithin(value, ctx, new RenderBudget(ctx.limits, ctx.signal), 0);
}

async function renderValueWithin(value: unknown, ctx: RenderContext, budget: RenderBudget, depth: number): Promise<unknown> {
  if (typeof value === "string") return renderWithin(value, ctx, budget);
  if (value === null || typeof value !== "object") return value;
  budget.depth(depth + 1, "the value to render");
  budget.charge(1, "rendering a value");
  if (budget.due) await budget.pause();
  if (Array.isArray(value)) return Promise.all(value.map((v) => renderValueWithin(v, ctx, budget, depth + 1)));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[await renderWithin(k, ctx, budget)] = await renderValueWithin(v, ctx, budget, depth + 1);
  return out;
}

/** bare expressions (conditions) parsed once, as templates are */
const exprCache = new BoundedCache<string, Node>(5000);

/** Evaluates a bare expression (no braces) to a typed value, within its own budget. */
export async function evaluateExpression(expression: string, ctx: RenderContext): Promise<unknown> {
  const budget = new RenderBudget(ctx.limits, ctx.signal);
  let node = exprCache.get(expression);
  if (!node) {
    node = parseExpression(expression, budget.limits.maxDepth);
    exprCache.set(expression, node);
  }
  return evaluate(node, { ctx, locals: new Map(), budget }, 1);
}
