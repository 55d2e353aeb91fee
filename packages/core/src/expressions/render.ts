import { FerryError } from "@ferry/sdk";
import type { Node } from "./ast.js";
import { evaluate, renderNodes, type RenderContext } from "./evaluator.js";
import { ExpressionError } from "./expression.error.js";
import { parseExpression } from "./parser.js";
import { parseTemplate, type TemplateNode } from "./template.js";

const TEMPLATE_MARK = /\{[{%]/;
const cache = new Map<string, TemplateNode[]>();
const CACHE_LIMIT = 5000;

export function hasTemplate(value: string): boolean {
  return TEMPLATE_MARK.test(value);
}

function parsed(template: string): TemplateNode[] {
  let nodes = cache.get(template);
  if (!nodes) {
    nodes = parseTemplate(template);
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(template, nodes);
  }
  return nodes;
}

/** Checks a template's syntax without evaluating it; throws ExpressionError. */
export function checkTemplate(template: string): void {
  if (hasTemplate(template)) parsed(template);
}

/** Renders one template string authored in a flow. The result is never rendered again. */
export async function renderString(template: string, ctx: RenderContext): Promise<string> {
  if (!hasTemplate(template)) return template;
  const out: string[] = [];
  try {
    await renderNodes(parsed(template), { ctx, locals: new Map() }, out);
  } catch (error) {
    // our own errors (a missing secret, a backend out of reach) keep their kind and words
    if (error instanceof FerryError) throw error;
    throw new ExpressionError(`cannot render '${template}': ${(error as Error).message}`, { cause: error });
  }
  return out.join("");
}

/**
 * Renders every string in a value authored in a flow (maps and lists recursively); other
 * scalars keep their type, as Kestra's renderObject does.
 */
export async function renderValue(value: unknown, ctx: RenderContext): Promise<unknown> {
  if (typeof value === "string") return renderString(value, ctx);
  if (Array.isArray(value)) return Promise.all(value.map((v) => renderValue(v, ctx)));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[await renderString(k, ctx)] = await renderValue(v, ctx);
    return out;
  }
  return value;
}

const exprCache = new Map<string, Node>();

/** Evaluates a bare expression (no braces) to a typed value. */
export async function evaluateExpression(expression: string, ctx: RenderContext): Promise<unknown> {
  let node = exprCache.get(expression);
  if (!node) {
    node = parseExpression(expression);
    exprCache.set(expression, node);
  }
  return evaluate(node, { ctx, locals: new Map() });
}
