import { advancedExecutionsConditionSchema, conditionHolds, executionsConditionSchema, isAdvancedExecutionsCondition, isExecutionsCondition, isMultipleCondition, multipleConditionSchema, renderString, whenHolds, type ConditionExecution, type ConditionSpec, type RenderContext } from "@ferry/core";
import { timeWindowOf, type AdvancedExecutionFilter, type FlowDependency, type FlowTriggerProperties, type PreconditionFilter, type TimeWindow } from "@ferry/sdk";

/** Kestra's TruthUtils */
const truthy = (text: string) => !["", "false", "0", "-0"].includes(text.trim().toLowerCase());

/** a window of conditions whose results a Flow trigger keeps between executions */
export interface ConditionWindow {
  id: string;
  timeWindow?: TimeWindow;
  resetOnSuccess: boolean;
  /** how many of its conditions must be met (all when absent; Kestra 2.0's mode ANY: 1, AT_LEAST: minSatisfied) */
  required?: number;
  /** Kestra 2.0's window.fireOnce: at most one start per window period */
  fireOnce?: boolean;
  /** each condition by its key, tested on one upstream execution */
  conditions: Array<{ key: string; test(execution: ConditionExecution, ctx: RenderContext): Promise<boolean> }>;
}

type Preconditions = NonNullable<FlowTriggerProperties["preconditions"]>;
type UpstreamFlow = NonNullable<Preconditions["flows"]>[number];

/** Kestra's UpstreamFlowCondition: namespace, flow id, states and labels of the upstream execution */
function upstreamFlowTest(flow: UpstreamFlow) {
  return async (e: ConditionExecution) =>
    e.namespace === flow.namespace &&
    (!flow.flowId || e.flowId === flow.flowId) &&
    (!flow.states || (flow.states as readonly string[]).includes(e.state)) &&
    Object.entries(flow.labels ?? {}).every(([k, v]) => e.labels?.[k] === String(v));
}

/** AdvancedExecutionsCondition's LABEL field: the execution's label of the value's key (`key` or `key:value`), as `key:value` */
function labelOf(e: ConditionExecution, text: string): string | undefined {
  const key = text.includes(":") ? text.slice(0, text.indexOf(":")) : text;
  const value = e.labels?.[key];
  return value === undefined ? undefined : `${key}:${value}`;
}

/**
 * Kestra's precondition FilterCondition (the Flow trigger's `where`, AdvancedExecutionsCondition's
 * preconditions): filters on FLOW_ID, NAMESPACE, STATE, LABEL or a rendered EXPRESSION, joined by AND or OR
 */
function filterTest(where: PreconditionFilter | AdvancedExecutionFilter) {
  return async (e: ConditionExecution, ctx: RenderContext) => {
    const results: boolean[] = [];
    for (const f of where.filters) {
      const value: string | undefined =
        f.field === "FLOW_ID" ? e.flowId : f.field === "NAMESPACE" ? e.namespace : f.field === "STATE" ? e.state : f.field === "LABEL" ? labelOf(e, f.value ?? "") : await renderString(f.value ?? "", ctx);
      const v = f.value ?? "";
      const ok = {
        EQUAL_TO: () => value === v, NOT_EQUAL_TO: () => value !== v, IN: () => value !== undefined && (f.values ?? []).includes(value), NOT_IN: () => value === undefined || !(f.values ?? []).includes(value),
        IS_TRUE: () => truthy(value ?? ""), IS_FALSE: () => !truthy(value ?? ""), IS_NULL: () => value === null || value === undefined, IS_NOT_NULL: () => value !== null && value !== undefined,
        STARTS_WITH: () => value !== undefined && value.startsWith(v), ENDS_WITH: () => value !== undefined && value.endsWith(v),
        REGEX: () => value !== undefined && new RegExp(`^(?:${v})$`).test(value), CONTAINS: () => value !== undefined && value.includes(v),
      }[f.type]();
      results.push(ok);
      if (where.operand === "OR" ? ok : !ok) break;
    }
    return where.operand === "OR" ? results.some(Boolean) : results.every(Boolean);
  };
}

/** a MultipleCondition's (or ExecutionsCondition's) window: timeWindow (or its older name sla), the deprecated window/windowAdvance shortcuts setting a duration window's values */
function windowOf(m: { timeWindow?: TimeWindow; sla?: TimeWindow; window?: string; windowAdvance?: string }): TimeWindow | undefined {
  const base = m.timeWindow ?? m.sla;
  return m.window || m.windowAdvance ? { ...(base ?? { type: "DURATION_WINDOW" as const }), ...(m.window ? { window: m.window } : {}), ...(m.windowAdvance ? { windowAdvance: m.windowAdvance } : {}) } : base;
}

/**
 * What a Kestra 2.0 `when` of a Flow trigger (its own, or a dependsOn entry's) sees beside the trigger's
 * variables: the upstream execution's `namespace`, `flowId`, `state`, `labels`, `outputs` (its flow
 * outputs) and `hasRetryAttempt` (a task run of it was attempted more than once), as the migration guide lists them.
 */
export function upstreamContext(ctx: RenderContext, e: ConditionExecution): RenderContext {
  const hasRetryAttempt = (e.taskRuns ?? []).some((run) => run.attempts.length > 1);
  return { ...ctx, variables: { ...ctx.variables, namespace: e.namespace, flowId: e.flowId, state: e.state, labels: e.labels ?? {}, outputs: e.outputs ?? {}, hasRetryAttempt } };
}

/** the states a Flow trigger without `states` reacts to: Kestra's default, State.Type.terminatedTypes() and PAUSED (trigger/Flow.java, 1.x and 2.0 alike) */
export const DEFAULT_STATES: readonly string[] = ["FAILED", "WARNING", "SUCCESS", "KILLED", "CANCELLED", "RETRIED", "SKIPPED", "PAUSED"];

/**
 * The states a Flow trigger looks at. Written on the trigger, they are its own. Unwritten with dependsOn, each
 * entry's `states` (an entry without: the default) — the migration guide gives an entry's states the trigger's
 * default, and Kestra's migration tool moves a 1.x trigger's `states: [RUNNING]` onto the entry, meaning it to fire.
 */
export function triggerStates(properties: FlowTriggerProperties): readonly string[] {
  if (properties.states) return properties.states;
  if (!properties.dependsOn?.length) return DEFAULT_STATES;
  return [...new Set(properties.dependsOn.flatMap((d) => (d.states as readonly string[] | undefined) ?? DEFAULT_STATES))];
}

/** Kestra 2.0's Flow.Dependency: exact namespace and flow id (omitted: any), its states, labels and `when` */
function dependencyTest(dependency: FlowDependency, states: readonly string[] | undefined) {
  return async (e: ConditionExecution, ctx: RenderContext) =>
    (!dependency.namespace || e.namespace === dependency.namespace) &&
    (!dependency.flowId || e.flowId === dependency.flowId) &&
    (!states || states.includes(e.state)) &&
    Object.entries(dependency.labels ?? {}).every(([k, v]) => e.labels?.[k] === String(v)) &&
    (await whenHolds(dependency.when, upstreamContext(ctx, e)));
}

/**
 * A dependsOn entry's key where its results are kept: from its namespace and flow id, so that reordering
 * the entries keeps what was met (Kestra 2.0 derives the keys the same way); a repeated pair gets a suffix.
 */
export function dependencyKeys(dependsOn: FlowDependency[]): string[] {
  const seen = new Map<string, number>();
  return dependsOn.map((d) => {
    const base = `${d.namespace ?? "any"}~${d.flowId ?? "any"}`.replace(/[^A-Za-z0-9._~-]/g, "_");
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}~${n}`;
  });
}

/** where a Flow trigger's dependsOn results are kept (a preconditions or MultipleCondition id starts with a letter or digit: no clash) */
export const DEPENDS_ON_WINDOW = "_dependsOn";

/** the windows of a Flow trigger: its dependsOn (Kestra 2.0), its preconditions (keys condition_1… as Kestra names them), then each MultipleCondition of its conditions */
export function conditionWindows(properties: FlowTriggerProperties, conditions: ConditionSpec[] | undefined): ConditionWindow[] {
  const windows: ConditionWindow[] = [];
  const dependsOn = properties.dependsOn;
  if (dependsOn?.length) {
    const keys = dependencyKeys(dependsOn);
    const mode = properties.mode ?? "ALL";
    windows.push({
      id: DEPENDS_ON_WINDOW,
      timeWindow: timeWindowOf(properties.window),
      // Kestra 2.0 always resets the results once the trigger fired (flows-changes: "preconditions and timeWindow removed")
      resetOnSuccess: true,
      required: mode === "ALL" ? dependsOn.length : mode === "ANY" ? 1 : properties.minSatisfied!,
      fireOnce: properties.window?.fireOnce ?? false,
      // an entry without states: the trigger's own states decided already, or, unwritten, the default
      conditions: dependsOn.map((d, i) => ({ key: keys[i], test: dependencyTest(d, d.states ?? (properties.states ? undefined : DEFAULT_STATES)) })),
    });
  }
  const p = properties.preconditions;
  if (p) {
    const flows = (p.flows ?? []).map((flow, i) => ({ key: `condition_${i + 1}`, test: upstreamFlowTest(flow) }));
    const where = (p.where ?? []).map((w, i) => ({ key: `condition_${flows.length + i + 1}_${w.id}`, test: filterTest(w) }));
    windows.push({ id: p.id, timeWindow: p.timeWindow, resetOnSuccess: p.resetOnSuccess, conditions: [...flows, ...where] });
  }
  for (const spec of conditions ?? []) {
    if (!isMultipleCondition(spec)) continue;
    if (isAdvancedExecutionsCondition(spec)) {
      const m = advancedExecutionsConditionSchema.parse(spec);
      // AdvancedExecutionsCondition.getConditions: one FilterCondition per precondition, keyed by its id
      windows.push({ id: m.id, timeWindow: windowOf(m), resetOnSuccess: m.resetOnSuccess, conditions: m.preconditions.map((filter) => ({ key: filter.id, test: filterTest(filter) })) });
      continue;
    }
    if (isExecutionsCondition(spec)) {
      const m = executionsConditionSchema.parse(spec);
      // ExecutionsCondition.getConditions: condition_1, condition_2… each an UpstreamFlowCondition
      windows.push({ id: m.id, timeWindow: windowOf(m), resetOnSuccess: m.resetOnSuccess, conditions: m.preconditions.map((flow, i) => ({ key: `condition_${i + 1}`, test: upstreamFlowTest(flow) })) });
      continue;
    }
    const m = multipleConditionSchema.parse(spec);
    windows.push({
      id: m.id, timeWindow: windowOf(m), resetOnSuccess: m.resetOnSuccess,
      conditions: Object.entries(m.conditions).map(([key, sub]) => ({ key, test: (e: ConditionExecution, ctx: RenderContext) => conditionHolds(sub as ConditionSpec, ctx, e) })),
    });
  }
  return windows;
}

/** the flows a trigger's preconditions name, so that a flow may wait for its own executions only when it says so */
export function namesFlow(properties: FlowTriggerProperties, namespace: string, flowId: string): boolean {
  return [...(properties.preconditions?.flows ?? []), ...(properties.dependsOn ?? [])].some((f) => (f.namespace === undefined || f.namespace === namespace) && f.flowId === flowId);
}
