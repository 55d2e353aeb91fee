import { z } from "zod";
import { parseDuration } from "./duration.js";
import * as schema from "./schema.js";
import type { TaskLogger } from "./task.js";

/**
 * How the server starts executions for a trigger type:
 * - `webhook`: an HTTP call to `/api/v1/executions/webhook/{namespace}/{flowId}/{key}`
 * - `schedule`: at every time `nextFire` gives, exactly once across server replicas
 * - `flow`: when an execution of another flow ends in one of the given states
 * - `polling`: every `interval`, the server calls the type's `evaluate` (one evaluation at a time
 *   per trigger, each interval evaluated once across server replicas); what it returns starts
 *   one execution, with it as the trigger variables
 * The server reads the properties every kind shares by name (`inputs`, `conditions`, and
 * per kind `key`/`wait`/`returnOutputs`, `recoverMissedSchedules`, `states`/`preconditions`, `interval`).
 */
export type TriggerKind = "webhook" | "schedule" | "flow" | "polling";

const inputs = z.record(z.string(), z.unknown()).optional();
/**
 * States of Kestra's State.Type that a Ferry execution never enters: a Flow trigger naming one is
 * refused where written rather than accepted and never fired. Kestra's own doc says a Flow trigger
 * cannot react to CREATED (the state an execution starts in, no change of state leads to it).
 */
const NEVER_ENTERED = {
  CREATED: "never fires a Flow trigger: an execution starts CREATED and never enters it by a change of state, so a Flow trigger never reacts to it (as in Kestra)",
  SUBMITTED: "never fires a Flow trigger: a Ferry execution is never SUBMITTED (it goes from CREATED to RUNNING or QUEUED)",
  RETRYING: "never fires a Flow trigger: a Ferry execution is never RETRYING: a flow-level retry ends it RETRIED, or restarts its failed task runs while it stays RUNNING",
  SKIPPED: "never fires a Flow trigger: an execution is never SKIPPED (task runs are)",
  BREAKPOINT: "never fires a Flow trigger: a Ferry execution is never at a BREAKPOINT (Ferry has no breakpoints)",
  RESUBMITTED: "never fires a Flow trigger: a Ferry execution is never RESUBMITTED",
} as const;
const states = schema.stateTypes("states", NEVER_ENTERED).optional();

/** a duration's milliseconds, or undefined for a text that is no duration (the duration check says so) */
function durationMs(text: string): number | undefined {
  try {
    return parseDuration(text);
  } catch {
    return undefined;
  }
}

/** `09:00:00`, an offset optional (UTC when absent) */
const timeOfDay = z.string().regex(/^\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)?$/, "expected a time of day such as 09:00:00");

/**
 * Kestra's TimeWindow, the period over which a Flow trigger's preconditions (or a
 * MultipleCondition) must all be met: DURATION_WINDOW (the default: windows of `window`,
 * PT24H by default, from midnight UTC plus `windowAdvance`), SLIDING_WINDOW (the last `window`),
 * DAILY_TIME_DEADLINE (from midnight until `deadline` each day), DAILY_TIME_WINDOW (from
 * `startTime` to `endTime` each day). Times of day are UTC unless they carry an offset.
 */
export const timeWindowSchema = z
  .strictObject({
    type: z.enum(["DURATION_WINDOW", "SLIDING_WINDOW", "DAILY_TIME_DEADLINE", "DAILY_TIME_WINDOW"]).default("DURATION_WINDOW"),
    window: schema.duration().optional(),
    windowAdvance: schema.duration().optional(),
    deadline: timeOfDay.optional(),
    startTime: timeOfDay.optional(),
    endTime: timeOfDay.optional(),
  })
  .superRefine((w, ctx) => {
    const only = (allowed: string[], required: string[]) => {
      for (const key of ["window", "windowAdvance", "deadline", "startTime", "endTime"] as const) {
        if (w[key] !== undefined && !allowed.includes(key)) ctx.addIssue({ code: "custom", path: [key], message: `${key} is not used by a ${w.type} time window` });
      }
      for (const key of required) if (w[key as keyof typeof w] === undefined) ctx.addIssue({ code: "custom", path: [key], message: `a ${w.type} time window needs ${key}` });
    };
    if (w.type === "DURATION_WINDOW") only(["window", "windowAdvance"], []);
    else if (w.type === "SLIDING_WINDOW") only(["window"], []);
    else if (w.type === "DAILY_TIME_DEADLINE") only(["deadline"], ["deadline"]);
    else only(["startTime", "endTime"], ["startTime", "endTime"]);
  });
export type TimeWindow = z.infer<typeof timeWindowSchema>;

/** one upstream flow a Flow trigger's preconditions (or an ExecutionsCondition) wait for */
export const upstreamFlowSchema = z.strictObject({
  namespace: z.string().min(1),
  flowId: z.string().min(1).optional(),
  states,
  labels: z.record(z.string(), z.unknown()).optional(),
});

/**
 * Kestra's precondition filters: a field of the upstream execution compared with a value. The Flow
 * trigger's `where` takes FLOW_ID, NAMESPACE, STATE and EXPRESSION; AdvancedExecutionsCondition LABEL too
 * (its value `key` or `key:value`: the execution's label of that key, as `key:value`).
 */
function filterOf<F extends readonly [string, ...string[]]>(fields: F) {
  return z
    .strictObject({
      field: z.enum(fields),
      type: z.enum(["EQUAL_TO", "NOT_EQUAL_TO", "IN", "NOT_IN", "IS_TRUE", "IS_FALSE", "IS_NULL", "IS_NOT_NULL", "STARTS_WITH", "ENDS_WITH", "REGEX", "CONTAINS"]),
      value: z.string().optional(),
      values: z.array(z.string()).optional(),
    })
    .superRefine((f, ctx) => {
      const needsValues = f.type === "IN" || f.type === "NOT_IN";
      const needsValue = ["EQUAL_TO", "NOT_EQUAL_TO", "STARTS_WITH", "ENDS_WITH", "REGEX", "CONTAINS"].includes(f.type) || f.field === "EXPRESSION" || f.field === "LABEL";
      if (needsValues && !f.values) ctx.addIssue({ code: "custom", path: ["values"], message: `a ${f.type} filter needs values` });
      if (needsValue && f.value === undefined) ctx.addIssue({ code: "custom", path: ["value"], message: `a ${f.type} filter${f.field === "EXPRESSION" || f.field === "LABEL" ? ` on ${f.field}` : ""} needs value` });
    });
}
const filter = filterOf(["FLOW_ID", "NAMESPACE", "STATE", "EXPRESSION"]);
const executionFilter = z.strictObject({ id: z.string().min(1), operand: z.enum(["AND", "OR"]).default("AND"), filters: z.array(filter).min(1) });
export type PreconditionFilter = z.infer<typeof executionFilter>;

/** AdvancedExecutionsCondition's preconditions (Kestra's AdvancedExecutionsCondition.ExecutionFilter): the Flow trigger's filters, and LABEL */
export const advancedExecutionFilterSchema = z.strictObject({
  id: z.string().min(1),
  operand: z.enum(["AND", "OR"]).default("AND"),
  filters: z.array(filterOf(["FLOW_ID", "NAMESPACE", "STATE", "EXPRESSION", "LABEL"])).min(1),
});
export type AdvancedExecutionFilter = z.infer<typeof advancedExecutionFilterSchema>;

/**
 * Kestra 2.0's Flow trigger dependency (Flow.Dependency, migration guide "trigger conditions redesign"):
 * one upstream flow, matched exactly on `namespace` and `flowId` (either omitted matches any), in one of
 * `states` (none: the trigger's own `states` decide), carrying `labels`, and for which `when` renders
 * truthy, with `namespace`, `flowId`, `state`, `labels`, `outputs` (its flow outputs) and `hasRetryAttempt`.
 */
export const flowDependencySchema = z.strictObject({
  namespace: z.string().min(1).optional(),
  flowId: z.string().min(1).optional(),
  states,
  labels: z.record(z.string(), z.unknown()).optional(),
  when: z.union([z.boolean(), z.string()]).optional(),
});
export type FlowDependency = z.infer<typeof flowDependencySchema>;

/**
 * Kestra 2.0's Flow trigger `window`: exactly one group — `deadline` (each day from midnight to a time),
 * `from`/`to` (a daily range), `every` (+ `offset` from midnight), `lookback` (the last duration) — each
 * one of 1.x's TimeWindow types under another name; `fireOnce` fires at most once per window period.
 */
export const dependencyWindowSchema = z
  .strictObject({
    deadline: timeOfDay.optional(),
    from: timeOfDay.optional(),
    to: timeOfDay.optional(),
    every: schema.duration().optional(),
    offset: schema.duration().optional(),
    lookback: schema.duration().optional(),
    fireOnce: schema.bool().default(false),
  })
  .superRefine((w, ctx) => {
    const groups = [
      w.deadline !== undefined && "deadline",
      (w.from !== undefined || w.to !== undefined) && "from/to",
      (w.every !== undefined || w.offset !== undefined) && "every/offset",
      w.lookback !== undefined && "lookback",
    ].filter(Boolean);
    if (groups.length !== 1) ctx.addIssue({ code: "custom", message: groups.length ? `a window takes one of deadline, from/to, every/offset, lookback; not ${groups.join(" and ")} together` : "a window needs one of deadline, from/to, every/offset or lookback" });
    if ((w.from === undefined) !== (w.to === undefined)) ctx.addIssue({ code: "custom", path: [w.from === undefined ? "from" : "to"], message: "a daily window needs both from and to" });
    if (w.offset !== undefined && w.every === undefined) ctx.addIssue({ code: "custom", path: ["every"], message: "offset shifts an every window: it needs every" });
    // the windows are 1.x's daily ones: a range past midnight would never be open, and `every` restarts at each midnight
    if (w.from !== undefined && w.to !== undefined && utcSecondsOf(w.to) <= utcSecondsOf(w.from)) {
      ctx.addIssue({ code: "custom", path: ["to"], message: `a daily window ends after it starts: to ${w.to} is not after from ${w.from} (a range past midnight is not supported by Ferry yet)` });
    }
    if (typeof w.every === "string") {
      let every = NaN;
      try {
        every = parseDuration(w.every);
      } catch {
        return; // said by the duration's own check
      }
      if (every <= 0 || DAY_MS % every !== 0) ctx.addIssue({ code: "custom", path: ["every"], message: `every ${w.every} must divide a day (PT1H, PT6H, P1D…): the windows restart at each midnight UTC` });
    }
  });

const DAY_MS = 24 * 3600_000;

/** a time of day (`09:00:00+02:00`) as seconds after midnight UTC, to compare two of them */
function utcSecondsOf(text: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  if (!m) return NaN;
  const zone = m[4] && m[4] !== "Z" ? m[4] : undefined;
  const offset = zone ? (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 3600 + Number(zone.slice(1).replace(":", "").slice(2, 4) || "0") * 60) : 0;
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? "0") - offset;
}
export type DependencyWindow = z.infer<typeof dependencyWindowSchema>;

/** 1.x's TimeWindow a 2.0 `window` is (the migration guide's "Replacing timeWindow types" table) */
export function timeWindowOf(window: DependencyWindow | undefined): TimeWindow | undefined {
  if (!window) return undefined;
  if (window.deadline !== undefined) return { type: "DAILY_TIME_DEADLINE", deadline: window.deadline };
  if (window.from !== undefined) return { type: "DAILY_TIME_WINDOW", startTime: window.from, endTime: window.to };
  if (window.lookback !== undefined) return { type: "SLIDING_WINDOW", window: window.lookback };
  return { type: "DURATION_WINDOW", window: window.every, windowAdvance: window.offset };
}

/**
 * The properties the server reads for each kind, whatever the trigger type: a trigger type of a
 * kind must accept these (its own schema may add more, or refine them). The flow parser checks
 * every trigger of a kind against its kind's schema, and the server reads properties through it.
 */
export const triggerKindProperties = {
  webhook: z.looseObject({
    key: z.string().min(1),
    wait: schema.bool().default(false),
    returnOutputs: schema.bool().default(false),
    inputs,
    /** GitHub-style HMAC-SHA256 of the raw body, checked before anything else */
    signature: z.object({ secret: z.string().min(1), header: z.string().default("X-Hub-Signature-256") }).optional(),
    /**
     * Kestra's AbstractWebhookTrigger.fetchType: FETCH gives the body as `trigger.body`, NONE reads
     * it off the connection (a signature is still checked over it) and drops it (`trigger.body` null)
     */
    fetchType: z
      .enum(["FETCH", "NONE"], {
        error: (iss) =>
          iss.input === "STORE"
            ? "not supported by Ferry yet: fetchType STORE (the body reaches the flow as trigger.body with FETCH, or is dropped with NONE)"
            : `fetchType is FETCH, NONE or STORE (Kestra's), not ${JSON.stringify(iss.input)}`,
      })
      .default("FETCH"),
    /** at most `requests` calls per `per` for this flow's webhook; more answer 429 */
    rateLimit: z.object({ requests: schema.int({ min: 1 }), per: schema.duration().default("PT1S") }).optional(),
  }),
  schedule: z.looseObject({
    /**
     * a cron schedule's own (Schedule requires it): the server reads fire times from the type's
     * `nextFire` only, so a type that fires on other terms (ScheduleOnDates' `dates`) has none
     */
    cron: z.string().min(1).optional(),
    timezone: z.string().optional(),
    /** Kestra needs it for six-field expressions; here six fields always mean seconds first */
    withSeconds: schema.bool().optional(),
    inputs,
    recoverMissedSchedules: z.enum(["ALL", "LAST", "NONE"]).default("ALL"),
    /** a fire later than this (a busy or restarting server) is skipped, as Kestra does */
    lateMaximumDelay: schema.duration().optional(),
  }),
  flow: z.looseObject({
    states,
    inputs,
    /** Kestra 2.0: the upstream flows, each its own dependency (replaces preconditions and execution conditions) */
    dependsOn: z.array(flowDependencySchema).min(1, "dependsOn needs at least one entry").optional(),
    /** Kestra 2.0: ALL dependencies met (the default), ANY one, or AT_LEAST `minSatisfied` of them */
    mode: z.enum(["ALL", "ANY", "AT_LEAST"]).optional(),
    minSatisfied: schema.int({ min: 1 }).optional(),
    window: dependencyWindowSchema.optional(),
    onMiss: schema.notYet("onMiss", "a missed window starts no FAILED execution in Ferry; alert on the missing upstream with an SLA instead"),
    preconditions: z
      .strictObject({
        /** where the window's results are kept (Kestra requires it; Ferry names it `preconditions` when absent) */
        id: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/, "an id of letters, digits, '_' and '-'").default("preconditions"),
        flows: z.array(upstreamFlowSchema).optional(),
        where: z.array(executionFilter).optional(),
        timeWindow: timeWindowSchema.optional(),
        resetOnSuccess: schema.bool().default(true),
      })
      .refine((p) => (p.flows?.length ?? 0) + (p.where?.length ?? 0) > 0, { message: "preconditions need `flows` or `where`" })
      .optional(),
  }).superRefine((t, ctx) => {
    const count = (t.dependsOn as unknown[] | undefined)?.length;
    if (count && t.preconditions) ctx.addIssue({ code: "custom", path: ["dependsOn"], message: "dependsOn (Kestra 2.0) replaces preconditions (Kestra 1.x): give one of them" });
    for (const key of ["mode", "minSatisfied", "window"] as const) {
      if (t[key] !== undefined && !count) ctx.addIssue({ code: "custom", path: [key], message: `${key} applies to dependsOn entries: this Flow trigger has none` });
    }
    if (t.mode === "AT_LEAST" && t.minSatisfied === undefined) ctx.addIssue({ code: "custom", path: ["minSatisfied"], message: "mode AT_LEAST needs minSatisfied" });
    if (t.minSatisfied !== undefined && t.mode !== "AT_LEAST") ctx.addIssue({ code: "custom", path: ["minSatisfied"], message: "minSatisfied applies to mode AT_LEAST only" });
    if (t.minSatisfied !== undefined && count && t.minSatisfied > count) ctx.addIssue({ code: "custom", path: ["minSatisfied"], message: `minSatisfied is at most the number of dependsOn entries (${count}), not ${t.minSatisfied}` });
  }),
  polling: z.looseObject({
    /** Kestra's PollingTriggerInterface.interval: the time between two evaluations (the server evaluates at most once a second) */
    interval: schema
      .duration()
      .refine((v) => durationMs(v) === undefined || durationMs(v)! >= 1000, {
        message: "interval is at least PT1S: the server evaluates polling triggers once a second at most",
      })
      .default("PT60S"),
    inputs,
  }),
} satisfies Record<TriggerKind, z.ZodType>;

export type WebhookTriggerProperties = z.infer<typeof triggerKindProperties.webhook>;
export type ScheduleTriggerProperties = z.infer<typeof triggerKindProperties.schedule>;
export type FlowTriggerProperties = z.infer<typeof triggerKindProperties.flow>;
export type PollingTriggerProperties = z.infer<typeof triggerKindProperties.polling>;

/** What a polling trigger's `evaluate` may use; as a task's run context, its only way to the rest of the system. */
export interface PollContext {
  /** lines about this evaluation, in the server's log under the trigger's name */
  logger: TaskLogger;
  /** aborted when the server stops */
  signal: AbortSignal;
  /**
   * renders a value of the flow author's (a property) as the trigger's templates render:
   * `flow`, `vars`, `labels`, `secret()`, plus `variables` (a response the condition looks at)
   */
  render(value: unknown, variables?: Record<string, unknown>): Promise<unknown>;
  /** renders an expression the same way and reads it as Kestra's TruthUtils do (false, 0, -0, "", null are false) */
  holds(expression: string, variables?: Record<string, unknown>): Promise<boolean>;
}

/** A trigger type. Triggers are declared on flows, validated at deploy, fired by the server. */
export interface TriggerDefinition<P = any> {
  type: string;
  aliases?: string[];
  title: string;
  description?: string;
  properties: z.ZodType<P>;
  /** omitted: the trigger is declared and validated, but nothing fires it */
  kind?: TriggerKind;
  /** `schedule` kind: the first fire time strictly after `after`, or undefined when there is none */
  nextFire?(properties: P, after: Date): Date | undefined;
  /**
   * `polling` kind: one evaluation. Returns the trigger variables of the execution to start, or
   * undefined when there is none this time; throws when it cannot tell (a host out of reach): the
   * server logs it and evaluates again after `interval`.
   */
  evaluate?(properties: P, ctx: PollContext): Promise<Record<string, unknown> | undefined>;
}

export function defineTrigger<P>(definition: TriggerDefinition<P>): TriggerDefinition<P> {
  return definition;
}
