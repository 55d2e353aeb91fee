import { schema, UserError, z } from "@ferry/sdk";
import type { RenderContext } from "../expressions/evaluator.js";
import { holidayProblem as calendarProblem, isPublicHoliday } from "../expressions/holidays.js";
import { evaluateExpression, hasTemplate, renderString } from "../expressions/render.js";
import { DAYS_OF_WEEK, dayInMonth, dayOfWeek, isoDay, parseOffsetTime, parseZoned, type ZonedDate } from "./condition-dates.js";

/** the upstream execution a Flow trigger looks at */
export interface ConditionExecution {
  id?: string;
  namespace: string;
  flowId: string;
  state: string;
  labels?: Record<string, string>;
  /** the execution's flow outputs; none when undefined or empty */
  outputs?: Record<string, unknown>;
  /** its task runs' attempts (HasRetryAttempt) */
  taskRuns?: Array<{ attempts: Array<{ state: string }> }>;
}

/** what a condition is evaluated against */
export interface ConditionEnv {
  ctx: RenderContext;
  /** the flow whose trigger holds the condition */
  flow: { namespace: string; id: string };
  execution?: ConditionExecution;
  now: () => Date;
  /** evaluates a nested condition (Not, Or) */
  holds(spec: Record<string, unknown>): Promise<boolean>;
}

/** where Kestra lets a condition be used */
export type ConditionUse = "flow" | "schedule" | "webhook";

export interface ConditionType {
  /** Kestra's class name under io.kestra.plugin.core.condition (also Ferry's core.condition.<name>) */
  name: string;
  /** Kestra's other names for it */
  aliases: string[];
  properties: z.ZodType;
  /** what it looks at: an upstream execution (Flow triggers only), or what any trigger has */
  needsExecution: boolean;
  check(props: any, env: ConditionEnv): Promise<boolean>;
}

const states = (property: string) => schema.stateTypes(property).optional();
const legacy = (name: string) => `io.kestra.core.models.conditions.types.${name}`;
const plugin = (name: string) => `io.kestra.plugin.core.condition.${name}`;
const date = z.string().min(1).optional();
const condition = z.looseObject({ type: z.string().min(1) });

async function text(value: unknown, ctx: RenderContext): Promise<string> {
  return typeof value === "string" && hasTemplate(value) ? renderString(value, ctx) : String(value);
}

/** the date a schedule condition tests: its `date`, rendered, or the trigger's date (now when the trigger has none) */
async function dateOf(value: string | undefined, env: ConditionEnv): Promise<ZonedDate> {
  const trigger = (env.ctx.variables.trigger ?? {}) as { date?: unknown };
  const raw = value === undefined ? (typeof trigger.date === "string" ? trigger.date : env.now().toISOString()) : await text(value, env.ctx);
  const parsed = parseZoned(raw);
  if (!parsed) throw new UserError(`condition date '${raw}' is not an ISO-8601 date or date-time`);
  return parsed;
}

async function truthy(expression: string, ctx: RenderContext): Promise<string> {
  const t = expression.trim();
  // a bare expression (Ferry accepts it as well as Kestra's `{{ … }}`) is evaluated as one
  if (!hasTemplate(t)) return String(await evaluateExpression(t, ctx));
  return renderString(t, ctx);
}

const labelList = z.union([z.record(z.string(), z.unknown()), z.array(z.strictObject({ key: z.string(), value: z.unknown() }))]);
const labelsOf = (value: z.infer<typeof labelList>): Array<[string, string]> =>
  Array.isArray(value) ? value.map((l) => [l.key, String(l.value)]) : Object.entries(value).map(([k, v]) => [k, String(v)]);

export const CONDITION_TYPES: ConditionType[] = [
  {
    name: "Expression",
    aliases: [plugin("ExpressionCondition"), plugin("VariableCondition"), legacy("VariableCondition"), legacy("ExpressionCondition")],
    properties: z.strictObject({ expression: z.string().min(1) }),
    needsExecution: false,
    // Kestra: true unless it renders blank or "false"
    check: async (p, env) => {
      const rendered = (await truthy(p.expression, env.ctx)).trim();
      return !(rendered === "" || rendered === "false");
    },
  },
  {
    name: "ExecutionStatus",
    aliases: [plugin("ExecutionStatusCondition"), legacy("ExecutionStatusCondition")],
    properties: z.strictObject({ in: states("in"), notIn: states("notIn") }),
    needsExecution: true,
    check: async (p, env) => (!p.in || p.in.includes(env.execution!.state)) && !(p.notIn ?? []).includes(env.execution!.state),
  },
  {
    name: "ExecutionFlow",
    aliases: [plugin("ExecutionFlowCondition"), legacy("ExecutionFlowCondition")],
    properties: z.strictObject({ namespace: z.string().min(1), flowId: z.string().min(1) }),
    needsExecution: true,
    check: async (p, env) => env.execution!.namespace === p.namespace && env.execution!.flowId === p.flowId,
  },
  {
    name: "ExecutionNamespace",
    aliases: [plugin("ExecutionNamespaceCondition"), legacy("ExecutionNamespaceCondition")],
    properties: z.strictObject({ namespace: z.string().min(1), comparison: z.enum(["EQUALS", "PREFIX", "SUFFIX"]).optional(), prefix: schema.bool().default(false) }),
    needsExecution: true,
    check: async (p, env) => {
      const actual = env.execution!.namespace;
      const comparison = p.comparison ?? (p.prefix ? "PREFIX" : "EQUALS");
      return comparison === "PREFIX" ? actual.startsWith(p.namespace) : comparison === "SUFFIX" ? actual.endsWith(p.namespace) : actual === p.namespace;
    },
  },
  {
    name: "ExecutionLabels",
    aliases: [plugin("ExecutionLabelsCondition"), legacy("ExecutionLabelsCondition")],
    properties: z.strictObject({
      labels: labelList.refine((v) => labelsOf(v).every(([k]) => !k.startsWith("system.")), { message: "system labels (system.*) cannot be matched: Kestra refuses them" }),
    }),
    needsExecution: true,
    check: async (p, env) => labelsOf(p.labels).every(([k, v]) => env.execution!.labels?.[k] === v),
  },
  {
    name: "ExecutionOutputs",
    aliases: [plugin("ExecutionOutputsCondition"), legacy("ExecutionOutputsCondition")],
    properties: z.strictObject({ expression: z.string().min(1) }),
    needsExecution: true,
    // false without outputs; else the expression, with trigger.outputs set, must render true
    check: async (p, env) => {
      const outputs = env.execution!.outputs;
      if (!outputs || !Object.keys(outputs).length) return false;
      const trigger = { ...((env.ctx.variables.trigger ?? {}) as object), outputs };
      return (await truthy(p.expression, { ...env.ctx, variables: { ...env.ctx.variables, trigger } })).trim() === "true";
    },
  },
  {
    name: "FlowCondition",
    aliases: [legacy("FlowCondition")],
    properties: z.strictObject({ namespace: z.string().min(1), flowId: z.string().min(1) }),
    needsExecution: false,
    check: async (p, env) => env.flow.namespace === p.namespace && env.flow.id === p.flowId,
  },
  {
    name: "FlowNamespaceCondition",
    aliases: [legacy("FlowNamespaceCondition")],
    properties: z.strictObject({ namespace: z.string().min(1), prefix: schema.bool().default(false) }),
    needsExecution: false,
    check: async (p, env) => (p.prefix ? env.flow.namespace.startsWith(p.namespace) : env.flow.namespace === p.namespace),
  },
  {
    name: "HasRetryAttempt",
    aliases: [plugin("HasRetryAttemptCondition"), legacy("HasRetryAttemptCondition")],
    properties: z.strictObject({ in: states("in"), notIn: states("notIn") }),
    needsExecution: true,
    // an attempt of a retried task run (more than one attempt) in `in` (none when `in` is empty) and not in `notIn`
    check: async (p, env) =>
      (env.execution!.taskRuns ?? [])
        .filter((run) => run.attempts.length > 1)
        .flatMap((run) => run.attempts)
        .some((a) => (p.in ?? []).includes(a.state) && !(p.notIn ?? []).includes(a.state)),
  },
  {
    name: "Not",
    aliases: [plugin("NotCondition"), legacy("NotCondition")],
    properties: z.strictObject({ conditions: z.array(condition).min(1) }),
    needsExecution: false,
    check: async (p, env) => {
      for (const c of p.conditions) if (await env.holds(c)) return false;
      return true;
    },
  },
  {
    name: "Or",
    aliases: [plugin("OrCondition"), legacy("OrCondition")],
    properties: z.strictObject({ conditions: z.array(condition).min(1) }),
    needsExecution: false,
    check: async (p, env) => {
      for (const c of p.conditions) if (await env.holds(c)) return true;
      return false;
    },
  },
  {
    name: "DayWeek",
    aliases: [plugin("DayWeekCondition"), legacy("DayWeekCondition")],
    properties: z.strictObject({ date, dayOfWeek: z.enum(DAYS_OF_WEEK) }),
    needsExecution: false,
    check: async (p, env) => dayOfWeek(await dateOf(p.date, env)) === p.dayOfWeek,
  },
  {
    name: "DayWeekInMonth",
    aliases: [plugin("DayWeekInMonthCondition"), legacy("DayWeekInMonthCondition")],
    properties: z.strictObject({ date, dayOfWeek: z.enum(DAYS_OF_WEEK), dayInMonth: z.enum(["FIRST", "LAST", "SECOND", "THIRD", "FOURTH"]) }),
    needsExecution: false,
    check: async (p, env) => {
      const d = await dateOf(p.date, env);
      const first = dayInMonth(d.year, d.month, p.dayOfWeek, false);
      const want = { FIRST: first, SECOND: first + 7, THIRD: first + 14, FOURTH: first + 21, LAST: dayInMonth(d.year, d.month, p.dayOfWeek, true) }[p.dayInMonth as "FIRST"];
      return d.day === want;
    },
  },
  {
    name: "DateTimeBetween",
    aliases: [plugin("DateTimeBetweenCondition"), legacy("DateTimeBetweenCondition")],
    properties: z
      .strictObject({ date, after: z.string().min(1).optional(), before: z.string().min(1).optional() })
      .refine((p) => p.after !== undefined || p.before !== undefined, { message: "Invalid condition with no before nor after" }),
    needsExecution: false,
    // bounds included, as Kestra's !isBefore / !isAfter
    check: async (p, env) => {
      const current = (await dateOf(p.date, env)).instant;
      const bound = async (v: string | undefined) => (v === undefined ? undefined : (await dateOf(v, env)).instant);
      const after = await bound(p.after);
      const before = await bound(p.before);
      return (after === undefined || current >= after) && (before === undefined || current <= before);
    },
  },
  {
    name: "TimeBetween",
    aliases: [plugin("TimeBetweenCondition"), legacy("TimeBetweenCondition")],
    properties: z
      .strictObject({ date, after: z.string().min(1).optional(), before: z.string().min(1).optional() })
      .refine((p) => p.after !== undefined || p.before !== undefined, { message: "Invalid condition with no before nor after" }),
    needsExecution: false,
    // bounds excluded, as Kestra's OffsetTime isAfter / isBefore
    check: async (p, env) => {
      const d = await dateOf(p.date, env);
      const current = d.secondOfDay - d.offset;
      const bound = async (v: string | undefined) => {
        if (v === undefined) return undefined;
        const rendered = await text(v, env.ctx);
        const t = parseOffsetTime(rendered);
        if (t === undefined) throw new UserError(`TimeBetween: '${rendered}' is not a time with an offset such as 16:00:00+02:00`);
        return t;
      };
      const after = await bound(p.after);
      const before = await bound(p.before);
      return (after === undefined || current > after) && (before === undefined || current < before);
    },
  },
  {
    name: "Weekend",
    aliases: [plugin("WeekendCondition"), legacy("WeekendCondition")],
    properties: z.strictObject({ date }),
    needsExecution: false,
    check: async (p, env) => ["SATURDAY", "SUNDAY"].includes(dayOfWeek(await dateOf(p.date, env))),
  },
  {
    name: "PublicHoliday",
    aliases: [plugin("PublicHolidayCondition"), legacy("PublicHolidayCondition")],
    properties: z.strictObject({ date, country: z.string().min(2).optional(), subDivision: z.string().min(1).optional() }),
    needsExecution: false,
    check: async (p, env) => {
      const d = await dateOf(p.date, env);
      const country = p.country ? await text(p.country, env.ctx) : defaultCountry();
      const subDivision = p.subDivision ? await text(p.subDivision, env.ctx) : undefined;
      const problem = holidayProblem(country, subDivision);
      if (problem) throw new UserError(`PublicHoliday: ${problem}`);
      return isPublicHoliday(isoDay(d), country, subDivision);
    },
  },
];

/** the country of the process's locale, as Kestra (Jollyday) defaults to the JVM's */
function defaultCountry(): string {
  const region = new Intl.Locale(Intl.DateTimeFormat().resolvedOptions().locale).maximize().region;
  if (!region) throw new UserError("PublicHoliday: no country given and the server's locale names none: set `country`");
  return region;
}

/** a problem with a PublicHoliday country or subdivision known at deploy (neither templated); undefined when fine */
export function holidayProblem(country: string | undefined, subDivision: string | undefined): string | undefined {
  if (!country || hasTemplate(country) || (subDivision && hasTemplate(subDivision))) return undefined;
  return calendarProblem(country, subDivision);
}
