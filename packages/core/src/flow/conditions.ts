import { advancedExecutionFilterSchema, schema, timeWindowSchema, upstreamFlowSchema, z } from "@ferry/sdk";
import type { RenderContext } from "../expressions/evaluator.js";
import { hasTemplate } from "../expressions/render.js";
import { CONDITION_TYPES, holidayProblem, type ConditionEnv, type ConditionExecution, type ConditionType, type ConditionUse } from "./condition-types.js";

export type { ConditionExecution, ConditionUse } from "./condition-types.js";

/**
 * Trigger conditions: every condition of Kestra's core (io.kestra.plugin.core.condition.*),
 * under Ferry's names (`core.condition.<Name>`), Kestra's, and Kestra's older ones. A trigger
 * fires only when all its conditions hold. Schedule-style conditions test a date (the
 * trigger's by default); execution-style ones look at the upstream execution of a Flow
 * trigger, the only trigger that has one. MultipleCondition keeps results over a time window:
 * the Flow trigger evaluates it (see `multipleConditionOf`), `conditionsHold` skips it.
 */
export interface ConditionSpec {
  type: string;
  [property: string]: unknown;
}

const BY_NAME = new Map<string, ConditionType>();
for (const t of CONDITION_TYPES) {
  for (const name of [`core.condition.${t.name}`, `io.kestra.plugin.core.condition.${t.name}`, ...t.aliases]) BY_NAME.set(name, t);
}

const MULTIPLE_NAMES = new Set(["core.condition.MultipleCondition", "io.kestra.plugin.core.condition.MultipleCondition", "io.kestra.core.models.conditions.types.MultipleCondition"]);
const EXECUTIONS_NAMES = new Set(["core.condition.ExecutionsCondition", "io.kestra.plugin.core.condition.ExecutionsCondition"]);
const ADVANCED_NAMES = new Set(["core.condition.AdvancedExecutionsCondition", "io.kestra.plugin.core.condition.AdvancedExecutionsCondition"]);

/** MultipleCondition: sub-conditions whose results are kept over a time window */
export const multipleConditionSchema = z.strictObject({
  type: z.string(),
  id: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/, "an id of letters, digits, '_' and '-'"),
  conditions: z.record(z.string(), z.looseObject({ type: z.string().min(1) })).refine((c) => Object.keys(c).length > 0, { message: "at least one condition" }),
  timeWindow: timeWindowSchema.optional(),
  /** Kestra's older name of timeWindow */
  sla: timeWindowSchema.optional(),
  /** Kestra's deprecated shortcuts of timeWindow.window and timeWindow.windowAdvance */
  window: schema.duration().optional(),
  windowAdvance: schema.duration().optional(),
  resetOnSuccess: schema.bool().default(true),
});
export type MultipleConditionSpec = z.infer<typeof multipleConditionSchema>;

/**
 * Kestra's ExecutionsCondition (an AbstractMultipleCondition, as MultipleCondition): its
 * `preconditions` are upstream flows (namespace, flowId, states, labels), each a condition keyed
 * condition_1, condition_2… (ExecutionsCondition.getConditions), whose results are kept over the window.
 */
export const executionsConditionSchema = multipleConditionSchema.omit({ conditions: true }).extend({ preconditions: z.array(upstreamFlowSchema).min(1) });
export type ExecutionsConditionSpec = z.infer<typeof executionsConditionSchema>;

/**
 * Kestra's AdvancedExecutionsCondition (an AbstractMultipleCondition too): its `preconditions` are
 * execution filters (FLOW_ID, NAMESPACE, STATE, EXPRESSION, LABEL joined by AND or OR), each a
 * condition keyed by its id (AdvancedExecutionsCondition.getConditions), kept over the window.
 */
export const advancedExecutionsConditionSchema = multipleConditionSchema
  .omit({ conditions: true })
  .extend({ preconditions: z.array(advancedExecutionFilterSchema).min(1) })
  .refine((c) => new Set(c.preconditions.map((p) => p.id)).size === c.preconditions.length, { path: ["preconditions"], message: "each precondition needs its own id" });
export type AdvancedExecutionsConditionSpec = z.infer<typeof advancedExecutionsConditionSchema>;

/** a condition whose results a Flow trigger keeps over a time window: MultipleCondition, ExecutionsCondition or AdvancedExecutionsCondition */
export function isMultipleCondition(spec: unknown): boolean {
  return !!spec && typeof spec === "object" && (MULTIPLE_NAMES.has(String((spec as ConditionSpec).type)) || isExecutionsCondition(spec) || isAdvancedExecutionsCondition(spec));
}

export function isAdvancedExecutionsCondition(spec: unknown): boolean {
  return !!spec && typeof spec === "object" && ADVANCED_NAMES.has(String((spec as ConditionSpec).type));
}

export function isExecutionsCondition(spec: unknown): boolean {
  return !!spec && typeof spec === "object" && EXECUTIONS_NAMES.has(String((spec as ConditionSpec).type));
}

const names = () => CONDITION_TYPES.map((t) => t.name).join(", ");
const isTemplated = (value: unknown): boolean =>
  typeof value === "string" ? hasTemplate(value) : Array.isArray(value) ? value.some(isTemplated) : !!value && typeof value === "object" && Object.values(value).some(isTemplated);
const at = (value: unknown, path: PropertyKey[]) => path.reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined), value);

/**
 * What is wrong with a condition declaration, for the flow parser; undefined when fine.
 * `use` is the kind of trigger holding it: execution conditions (and MultipleCondition)
 * belong to Flow triggers only, where Kestra evaluates them.
 */
export function conditionProblem(spec: unknown, use: ConditionUse = "flow", nested = false): string | undefined {
  if (!spec || typeof spec !== "object" || Array.isArray(spec) || typeof (spec as ConditionSpec).type !== "string") return "a condition needs a type";
  const { type, ...props } = spec as ConditionSpec;
  if (EXECUTIONS_NAMES.has(type) || ADVANCED_NAMES.has(type)) {
    if (use !== "flow" || nested) return `condition ${type} keeps results across executions: it belongs at the top of a Flow trigger's conditions`;
    const parsed = (ADVANCED_NAMES.has(type) ? advancedExecutionsConditionSchema : executionsConditionSchema).safeParse(spec);
    return parsed.success ? undefined : issues(type, parsed.error.issues, spec);
  }
  if (MULTIPLE_NAMES.has(type)) {
    if (use !== "flow" || nested) return `condition ${type} keeps results across executions: it belongs at the top of a Flow trigger's conditions`;
    const parsed = multipleConditionSchema.safeParse(spec);
    if (!parsed.success) return issues(type, parsed.error.issues, spec);
    for (const [key, sub] of Object.entries(parsed.data.conditions)) {
      const problem = conditionProblem(sub, use, true);
      if (problem) return `condition ${type}, ${key}: ${problem}`;
    }
    return undefined;
  }
  const t = BY_NAME.get(type);
  if (!t) return `unsupported condition type '${type}' (supported: ${names()}, as core.condition.<name> or Kestra's names)`;
  if (t.needsExecution && use !== "flow") return `condition ${type} looks at an upstream execution: only a Flow trigger has one`;
  const parsed = t.properties.safeParse(props);
  if (!parsed.success) {
    const problem = issues(type, parsed.error.issues, props);
    if (problem) return problem;
  }
  if (t.name === "PublicHoliday") {
    const holiday = holidayProblem(props.country as string | undefined, props.subDivision as string | undefined);
    if (holiday) return `condition ${type}: ${holiday}`;
  }
  if (t.name === "Not" || t.name === "Or") {
    for (const [i, sub] of ((props.conditions as unknown[]) ?? []).entries()) {
      const problem = conditionProblem(sub, use, true);
      if (problem) return `condition ${type}, conditions[${i}]: ${problem}`;
    }
  }
  return undefined;
}

function issues(type: string, list: z.core.$ZodIssue[], value: unknown): string | undefined {
  const real = list.filter((i) => i.code === "unrecognized_keys" || !isTemplated(at(value, i.path)));
  if (!real.length) return undefined;
  return `condition ${type}: ${real.map((i) => (i.code === "unrecognized_keys" ? `unknown property ${i.keys.map((k) => `'${k}'`).join(", ")}` : `${i.path.join(".") || "(condition)"}: ${i.message}`)).join("; ")}`;
}

/** the environment conditions are evaluated in */
function envOf(ctx: RenderContext, execution: ConditionExecution | undefined, now: () => Date): ConditionEnv {
  const flow = (ctx.variables.flow ?? {}) as { namespace?: string; id?: string };
  const env: ConditionEnv = {
    ctx, execution, now,
    flow: { namespace: String(flow.namespace ?? ""), id: String(flow.id ?? "") },
    holds: (spec) => holds(spec as ConditionSpec, env),
  };
  return env;
}

async function holds(spec: ConditionSpec, env: ConditionEnv): Promise<boolean> {
  const t = BY_NAME.get(spec.type);
  if (!t || (t.needsExecution && !env.execution)) return false;
  const { type: _type, ...props } = spec;
  return t.check(t.properties.parse(props), env);
}

/** whether one (non-multiple) condition holds */
export function conditionHolds(spec: ConditionSpec, ctx: RenderContext, execution?: ConditionExecution, now: () => Date = () => new Date()): Promise<boolean> {
  return holds(spec, envOf(ctx, execution, now));
}

/** true when every condition holds (no conditions hold trivially); MultipleConditions are the Flow trigger's to evaluate and are skipped here */
export async function conditionsHold(conditions: ConditionSpec[] | undefined, ctx: RenderContext, execution?: ConditionExecution, now: () => Date = () => new Date()): Promise<boolean> {
  const env = envOf(ctx, execution, now);
  for (const spec of conditions ?? []) {
    if (isMultipleCondition(spec)) continue;
    if (!(await holds(spec, env))) return false;
  }
  return true;
}
