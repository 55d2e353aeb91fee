import type { RenderContext } from "../expressions/evaluator.js";
import { evaluateExpression, renderString } from "../expressions/render.js";
import { isTruthy } from "../expressions/values.js";

/**
 * Trigger conditions, under Ferry's names and Kestra's current and older ones. A trigger
 * fires only when all its conditions hold. Expression-style conditions see the trigger's
 * variables; execution-style ones look at the upstream execution of a Flow trigger.
 */
export interface ConditionSpec {
  type: string;
  [property: string]: unknown;
}

/** the upstream execution a Flow trigger looks at */
export interface ConditionExecution {
  namespace: string;
  flowId: string;
  state: string;
}

type Check = (spec: ConditionSpec, ctx: RenderContext, execution: ConditionExecution | undefined) => Promise<boolean>;

const names = (ferry: string, kestra: string, legacy: string) => [`core.condition.${ferry}`, `io.kestra.plugin.core.condition.${kestra}`, `io.kestra.core.models.conditions.types.${legacy}`];
const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

async function expressionHolds(expression: unknown, ctx: RenderContext): Promise<boolean> {
  const text = String(expression ?? "").trim();
  // Kestra writes `{{ trigger.body.ok == true }}`; a bare expression reads the same
  const value = /^\{\{[\s\S]*\}\}$/.test(text) ? await renderString(text, ctx) : await evaluateExpression(text, ctx);
  return typeof value === "string" ? value.trim() === "true" : isTruthy(value);
}

const CHECKS = new Map<string, Check>();
const register = (types: string[], check: Check, needsExecution = false) => {
  for (const type of types) CHECKS.set(type, needsExecution ? async (spec, ctx, execution) => execution !== undefined && check(spec, ctx, execution) : check);
};

const EXPRESSION_TYPES = new Set([...names("Expression", "Expression", "VariableCondition"), "io.kestra.core.models.conditions.types.ExpressionCondition"]);
const OUTPUTS_TYPES = new Set(names("ExecutionOutputs", "ExecutionOutputs", "ExecutionOutputsCondition"));
register([...EXPRESSION_TYPES], (spec, ctx) => expressionHolds(spec.expression, ctx));
register([...OUTPUTS_TYPES], (spec, ctx) => expressionHolds(spec.expression, ctx), true);
register(names("ExecutionFlow", "ExecutionFlow", "ExecutionFlowCondition"), async (spec, _ctx, e) => e!.namespace === spec.namespace && e!.flowId === spec.flowId, true);
register(
  names("ExecutionStatus", "ExecutionStatus", "ExecutionStatusCondition"),
  async (spec, _ctx, e) => (!spec.in || list(spec.in).includes(e!.state)) && !list(spec.notIn).includes(e!.state),
  true,
);
register(
  names("ExecutionNamespace", "ExecutionNamespace", "ExecutionNamespaceCondition"),
  async (spec, _ctx, e) => {
    const want = String(spec.namespace ?? "");
    const comparison = String(spec.comparison ?? (spec.prefix === true ? "PREFIX" : "EQUALS"));
    if (comparison === "PREFIX") return e!.namespace === want || e!.namespace.startsWith(want);
    if (comparison === "SUFFIX") return e!.namespace.endsWith(want);
    return e!.namespace === want;
  },
  true,
);

/** what is wrong with a condition declaration, for the flow parser; undefined when fine */
export function conditionProblem(spec: unknown): string | undefined {
  if (!spec || typeof spec !== "object" || typeof (spec as ConditionSpec).type !== "string") return "a condition needs a type";
  const { type } = spec as ConditionSpec;
  if (!CHECKS.has(type)) return `unsupported condition type '${type}' (supported: ${[...CHECKS.keys()].filter((t) => t.startsWith("core.")).join(", ")}, and their Kestra names)`;
  const needsExpression = EXPRESSION_TYPES.has(type) || OUTPUTS_TYPES.has(type);
  if (needsExpression && typeof (spec as ConditionSpec).expression !== "string") return `condition ${type} needs an 'expression'`;
  return undefined;
}

/** true when every condition holds (no conditions hold trivially) */
export async function conditionsHold(conditions: ConditionSpec[] | undefined, ctx: RenderContext, execution?: ConditionExecution): Promise<boolean> {
  for (const spec of conditions ?? []) {
    const check = CHECKS.get(spec.type);
    if (!check || !(await check(spec, ctx, execution))) return false;
  }
  return true;
}
