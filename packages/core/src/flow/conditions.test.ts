import { describe, expect, it } from "vitest";
import { conditionProblem, conditionsHold, type ConditionSpec } from "./conditions.js";

const K = "io.kestra.plugin.core.condition.";
const ctx = (trigger: Record<string, unknown> = {}) => ({ variables: { flow: { namespace: "company.team", id: "mine" }, trigger, vars: { limit: 3 } }, functions: {} });
const upstream: { namespace: string; flowId: string; state: string; labels: Record<string, string>; outputs: Record<string, unknown>; taskRuns: Array<{ attempts: Array<{ state: string }> }> } = { namespace: "company.team.sales", flowId: "ingest", state: "FAILED", labels: { env: "prod", owner: "ann" }, outputs: { rows: 12 }, taskRuns: [{ attempts: [{ state: "FAILED" }, { state: "SUCCESS" }] }] };
const holds = (c: ConditionSpec | ConditionSpec[], trigger?: Record<string, unknown>, execution: typeof upstream | null = upstream) =>
  conditionsHold(Array.isArray(c) ? c : [c], ctx(trigger), execution ?? undefined);

describe("execution conditions (Flow triggers)", () => {
  it("ExecutionStatus, ExecutionFlow, ExecutionNamespace (EQUALS, PREFIX, SUFFIX, prefix shortcut)", async () => {
    expect(await holds({ type: `${K}ExecutionStatus`, in: ["FAILED", "WARNING"] })).toBe(true);
    expect(await holds({ type: `${K}ExecutionStatusCondition`, notIn: ["FAILED"] })).toBe(false);
    expect(await holds({ type: `${K}ExecutionFlow`, namespace: "company.team.sales", flowId: "ingest" })).toBe(true);
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: "company.team" })).toBe(false);
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: "company.team", comparison: "PREFIX" })).toBe(true);
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: "company", prefix: true })).toBe(true);
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: ".sales", comparison: "SUFFIX" })).toBe(true);
  });
  it("ExecutionLabels (map or list), ExecutionOutputs (false without outputs), HasRetryAttempt", async () => {
    expect(await holds({ type: `${K}ExecutionLabels`, labels: { env: "prod" } })).toBe(true);
    expect(await holds({ type: `${K}ExecutionLabels`, labels: [{ key: "env", value: "prod" }, { key: "owner", value: "bob" }] })).toBe(false);
    expect(await holds({ type: `${K}ExecutionOutputs`, expression: "{{ trigger.outputs.rows > 10 }}" })).toBe(true);
    expect(await holds({ type: `${K}ExecutionOutputs`, expression: "{{ true }}" }, {}, { ...upstream, outputs: {} })).toBe(false);
    expect(await holds({ type: `${K}HasRetryAttempt`, in: ["FAILED"] })).toBe(true);
    expect(await holds({ type: `${K}HasRetryAttempt`, in: ["FAILED"], notIn: ["FAILED"] })).toBe(false);
    expect(await holds({ type: `${K}HasRetryAttempt` })).toBe(false);
  });
  it("FlowCondition and FlowNamespaceCondition look at the trigger's own flow", async () => {
    expect(await holds({ type: "io.kestra.core.models.conditions.types.FlowCondition", namespace: "company.team", flowId: "mine" })).toBe(true);
    expect(await holds({ type: `${K}FlowNamespaceCondition`, namespace: "company", prefix: true })).toBe(true);
    expect(await holds({ type: `${K}FlowNamespaceCondition`, namespace: "company" })).toBe(false);
  });
  it("an execution condition without an execution does not hold", async () => {
    expect(await holds({ type: `${K}ExecutionStatus`, in: ["FAILED"] }, {}, null)).toBe(false);
  });
});

describe("Expression, Not and Or", () => {
  it("Expression is true unless it renders blank or 'false' (its Kestra aliases too)", async () => {
    expect(await holds({ type: `${K}Expression`, expression: "{{ vars.limit > 2 }}" })).toBe(true);
    expect(await holds({ type: `${K}ExpressionCondition`, expression: "{{ vars.limit > 5 }}" })).toBe(false);
    expect(await holds({ type: "io.kestra.core.models.conditions.types.VariableCondition", expression: "{{ '' }}" })).toBe(false);
    expect(await holds({ type: "core.condition.Expression", expression: "{{ 'yes' }}" })).toBe(true);
  });
  it("Not holds when none of its conditions does; Or when one does", async () => {
    const weekend = { type: `${K}Weekend` };
    const saturday = { date: "2024-06-15T10:00:00+02:00" };
    expect(await holds({ type: `${K}Not`, conditions: [weekend] }, saturday)).toBe(false);
    expect(await holds({ type: `${K}Or`, conditions: [{ type: `${K}DayWeek`, dayOfWeek: "MONDAY" }, weekend] }, saturday)).toBe(true);
  });
});

describe("schedule conditions test the trigger's date in its own time zone", () => {
  it("DayWeek and Weekend read the day as the offset writes it", async () => {
    // 23:30 on Sunday in Paris is Monday in UTC: Paris's day counts
    const late = { date: "2024-06-16T23:30:00+02:00" };
    expect(await holds({ type: `${K}DayWeek`, dayOfWeek: "SUNDAY" }, late)).toBe(true);
    expect(await holds({ type: `${K}Weekend` }, late)).toBe(true);
    expect(await holds({ type: `${K}DayWeek`, dayOfWeek: "MONDAY", date: "2024-06-17" })).toBe(true);
  });
  it("DayWeekInMonth: FIRST to FOURTH and LAST", async () => {
    const c = (dayInMonth: string, date: string) => holds({ type: `${K}DayWeekInMonth`, dayOfWeek: "MONDAY", dayInMonth, date });
    expect(await c("FIRST", "2024-07-01T11:00:00Z")).toBe(true);
    expect(await c("SECOND", "2024-07-08T11:00:00Z")).toBe(true);
    expect(await c("FOURTH", "2024-07-22T11:00:00Z")).toBe(true);
    expect(await c("LAST", "2024-07-29T11:00:00Z")).toBe(true);
    expect(await c("LAST", "2024-07-22T11:00:00Z")).toBe(false);
  });
  it("DateTimeBetween includes its bounds; TimeBetween excludes them and compares with offsets", async () => {
    const at = { date: "2025-01-01T00:00:00Z" };
    expect(await holds({ type: `${K}DateTimeBetween`, after: "2025-01-01T00:00:00Z" }, at)).toBe(true);
    expect(await holds({ type: `${K}DateTimeBetween`, after: "2025-01-01T01:00:00+01:00", before: "2025-12-31T23:59:59Z" }, at)).toBe(true);
    expect(await holds({ type: `${K}DateTimeBetween`, before: "2024-12-31T23:59:59Z" }, at)).toBe(false);
    const four = { date: "2024-06-15T16:30:00+02:00" };
    expect(await holds({ type: `${K}TimeBetween`, after: "16:00:00+02:00", before: "20:00:00+02:00" }, four)).toBe(true);
    expect(await holds({ type: `${K}TimeBetween`, after: "14:30:00Z" }, four)).toBe(false);
    expect(await holds({ type: `${K}TimeBetween`, after: "14:29:59Z" }, four)).toBe(true);
  });
  it("PublicHoliday reads the country's public holidays offline (date-holidays)", async () => {
    expect(await holds({ type: `${K}PublicHoliday`, country: "FR" }, { date: "2024-07-14T11:00:00+02:00" })).toBe(true);
    expect(await holds({ type: `${K}PublicHoliday`, country: "FR" }, { date: "2024-07-15T11:00:00+02:00" })).toBe(false);
    expect(await holds({ type: `${K}PublicHoliday`, country: "US" }, { date: "2024-07-04T09:00:00-04:00" })).toBe(true);
    expect(await holds({ type: `${K}Not`, conditions: [{ type: `${K}PublicHoliday`, country: "FR" }, { type: `${K}Weekend` }] }, { date: "2024-07-16T11:00:00+02:00" })).toBe(true);
  });
});

describe("conditionProblem: refused at deploy, naming what is wrong", () => {
  it("unknown types and properties, missing properties, bad values", () => {
    expect(conditionProblem({ type: `${K}Nope` })).toMatch(/unsupported condition type/);
    expect(conditionProblem({ type: `${K}DayWeek`, dayOfWeek: "MONDAY", colour: "red" }, "schedule")).toMatch(/unknown property 'colour'/);
    expect(conditionProblem({ type: `${K}DayWeek` }, "schedule")).toMatch(/dayOfWeek/);
    expect(conditionProblem({ type: `${K}DateTimeBetween` }, "schedule")).toMatch(/no before nor after/);
    expect(conditionProblem({ type: `${K}PublicHoliday`, country: "ZZ" }, "schedule")).toMatch(/unknown country 'ZZ'/);
    expect(conditionProblem({ type: `${K}ExecutionLabels`, labels: { "system.x": "y" } })).toMatch(/system labels/);
    // Kestra's AdvancedExecutionsCondition: execution filters as preconditions (its @Example), LABEL among the fields
    const advanced = {
      type: `${K}AdvancedExecutionsCondition`, id: "poll_for_flows",
      preconditions: [
        { id: "flow1", filters: [{ field: "FLOW_ID", type: "EQUAL_TO", value: "flow1" }, { field: "STATE", type: "IN", values: ["SUCCESS", "WARNING"] }] },
        { id: "flow2", operand: "OR", filters: [{ field: "LABEL", type: "EQUAL_TO", value: "myLabelKey:myLabelValue" }, { field: "EXPRESSION", type: "IS_TRUE", value: "{{ outputs.x == 1 }}" }] },
      ],
    };
    expect(conditionProblem(advanced)).toBeUndefined();
    expect(conditionProblem({ ...advanced, preconditions: [] })).toMatch(/AdvancedExecutionsCondition: preconditions/);
    expect(conditionProblem({ ...advanced, preconditions: [advanced.preconditions[0], advanced.preconditions[0]] })).toMatch(/each precondition needs its own id/);
    expect(conditionProblem({ ...advanced, preconditions: [{ id: "a", filters: [{ field: "LABEL", type: "IS_NOT_NULL" }] }] })).toMatch(/IS_NOT_NULL filter on LABEL needs value/);
    expect(conditionProblem({ ...advanced, preconditions: [{ id: "a", filters: [{ field: "COLOUR", type: "EQUAL_TO", value: "red" }] }] })).toMatch(/preconditions\.0\.filters\.0\.field/);
    expect(conditionProblem(advanced, "schedule")).toMatch(/keeps results across executions/);
    // Kestra's ExecutionsCondition: an id and upstream flows as preconditions (its @Example), a Flow trigger's only
    const executions = { type: `${K}ExecutionsCondition`, id: "poll_for_flows", preconditions: [{ namespace: "company.team", flowId: "myflow1", states: ["SUCCESS", "WARNING"] }] };
    expect(conditionProblem(executions)).toBeUndefined();
    expect(conditionProblem({ ...executions, preconditions: [] })).toMatch(/ExecutionsCondition: preconditions/);
    expect(conditionProblem({ ...executions, preconditions: [{ flowId: "x" }] })).toMatch(/preconditions\.0\.namespace/);
    expect(conditionProblem(executions, "schedule")).toMatch(/keeps results across executions/);
    expect(conditionProblem({ type: `${K}Not`, conditions: [{ type: `${K}Weekend`, nope: 1 }] }, "schedule")).toMatch(/Not, conditions\[0\].*unknown property 'nope'/);
  });
  it("execution conditions and MultipleCondition belong to Flow triggers", () => {
    expect(conditionProblem({ type: `${K}ExecutionStatus`, in: ["SUCCESS"] }, "schedule")).toMatch(/only a Flow trigger has one/);
    const multiple = { type: `${K}MultipleCondition`, id: "both", conditions: { a: { type: `${K}ExecutionFlow`, namespace: "n", flowId: "a" } } };
    expect(conditionProblem(multiple, "flow")).toBeUndefined();
    expect(conditionProblem(multiple, "webhook")).toMatch(/belongs at the top of a Flow trigger/);
    expect(conditionProblem({ ...multiple, id: "bad id" })).toMatch(/id/);
  });
  it("templated values are checked when they render, not at deploy", () => {
    expect(conditionProblem({ type: `${K}DayWeek`, dayOfWeek: "MONDAY", date: "{{ trigger.date }}" }, "schedule")).toBeUndefined();
    expect(conditionProblem({ type: `${K}PublicHoliday`, country: "{{ vars.country }}" }, "schedule")).toBeUndefined();
  });
});
