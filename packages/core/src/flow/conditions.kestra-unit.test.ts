// Kestra's unit tests of its core conditions (core/src/test/java/io/kestra/plugin/core/condition/*Test.java), case by case.
// Kestra's TestsUtils.mockFlow: namespace the test class, id the method (lowercased); mockExecution: that flow's, RUNNING.
import { describe, expect, it } from "vitest";
import { conditionsHold, type ConditionExecution, type ConditionSpec } from "./conditions.js";

const K = "io.kestra.plugin.core.condition.";
const NS = "io.kestra.plugin.core.condition.executionnamespacetest";
const mock = (over: Partial<ConditionExecution> = {}): ConditionExecution => ({ namespace: NS, flowId: "valid", state: "RUNNING", ...over });
const holds = (spec: ConditionSpec, execution: ConditionExecution = mock(), inputs: Record<string, unknown> = {}) =>
  conditionsHold([spec], { variables: { flow: { namespace: execution.namespace, id: execution.flowId }, execution: { id: "e" }, inputs, trigger: {} }, functions: {} }, execution);
// Java's ZonedDateTime/OffsetTime toString of the instants the tests build
const zoned = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString().replace("Z", "Z[UTC]");
const HOUR = 3_600_000;

describe("DateTimeBetweenTest.valid", () => {
  const cases: Array<[string, string | undefined, string | undefined, boolean]> = [
    [zoned(0), undefined, "2013-09-08T16:19:12+02:00", true],
    ["2013-09-08T16:19:12+02:00", undefined, zoned(0), false],
    ["2013-09-08T16:19:12+02:00", "2013-09-08T16:20:12+02:00", "2013-09-08T16:18:12+02:00", true],
    ["2013-09-08T16:19:12+02:00", "2013-09-08T16:20:12+02:00", undefined, true],
    ["{{ now() }}", zoned(HOUR), zoned(-HOUR), true],
    ["{{ now() }}", zoned(-HOUR), undefined, false],
  ];
  for (const [date, before, after, result] of cases) {
    it(`${date} before ${before} after ${after}: ${result}`, async () => {
      expect(await holds({ type: `${K}DateTimeBetween`, date, ...(before ? { before } : {}), ...(after ? { after } : {}) })).toBe(result);
    });
  }
});

describe("DayWeekInMonthTest.valid, DayWeekTest.valid, WeekendTest.valid", () => {
  const inMonth: Array<[string, string, string, boolean]> = [
    ["2021-04-01", "MONDAY", "FIRST", false], ["2021-04-05", "MONDAY", "FIRST", true], ["2021-04-01", "THURSDAY", "FIRST", true],
    ["2021-04-01", "MONDAY", "LAST", false], ["2021-04-26", "MONDAY", "LAST", true], ["2021-04-12", "MONDAY", "SECOND", true],
    ["2021-04-19", "MONDAY", "THIRD", true], ["2021-04-26", "MONDAY", "FOURTH", true],
  ];
  for (const [date, dayOfWeek, dayInMonth, result] of inMonth) {
    it(`DayWeekInMonth ${date} ${dayOfWeek} ${dayInMonth}: ${result}`, async () => {
      expect(await holds({ type: `${K}DayWeekInMonth`, date, dayOfWeek, dayInMonth })).toBe(result);
    });
  }
  it("DayWeek 2013-09-08 is SUNDAY, not MONDAY", async () => {
    expect(await holds({ type: `${K}DayWeek`, date: "2013-09-08", dayOfWeek: "SUNDAY" })).toBe(true);
    expect(await holds({ type: `${K}DayWeek`, date: "2013-09-08", dayOfWeek: "MONDAY" })).toBe(false);
  });
  it("Weekend: 2013-09-08, 2013-09-07 and a rendered iso_local_date", async () => {
    for (const date of ["2013-09-08", "2013-09-07", '{{ "2013-09-08T15:19:12.000000+02:00" | date("iso_local_date") }}']) {
      expect(await holds({ type: `${K}Weekend`, date }), date).toBe(true);
    }
  });
});

describe("TimeBetweenTest.valid", () => {
  const date = "2024-02-21T16:19:12+02:00";
  const cases: Array<[string | undefined, string | undefined, boolean]> = [
    [undefined, "16:19:11+02:00", true], [undefined, "17:19:12+02:00", false], ["16:20:12+02:00", "16:18:12+02:00", true],
    ["16:20:12+02:00", undefined, true], ["16:18:12+02:00", undefined, false],
  ];
  for (const [before, after, result] of cases) {
    it(`before ${before} after ${after}: ${result}`, async () => {
      expect(await holds({ type: `${K}TimeBetween`, date, ...(before ? { before } : {}), ...(after ? { after } : {}) })).toBe(result);
    });
  }
});

describe("PublicHolidayTest", () => {
  it("valid", async () => {
    expect(await holds({ type: `${K}PublicHoliday`, date: "2023-01-01" })).toBe(true);
    expect(await holds({ type: `${K}PublicHoliday`, date: "2023-07-14", country: "FR" })).toBe(true);
    expect(await holds({ type: `${K}PublicHoliday`, date: "2023-03-08", country: "DE", subDivision: "BE" })).toBe(true);
  });
  it("invalid", async () => {
    expect(await holds({ type: `${K}PublicHoliday`, date: "2023-01-02", country: "FR" })).toBe(false);
    expect(await holds({ type: `${K}PublicHoliday`, date: "2023-03-08", country: "DE" })).toBe(false);
  });
});

describe("ExecutionNamespaceTest", () => {
  it("valid: EQUALS by default and explicit", async () => {
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: NS })).toBe(true);
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: NS, comparison: "EQUALS" })).toBe(true);
  });
  it("invalid", async () => {
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: `${NS}a` })).toBe(false);
  });
  it("prefix: the prefix shortcut and PREFIX", async () => {
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: NS.slice(0, 3), prefix: true })).toBe(true);
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: NS.slice(0, 3), comparison: "PREFIX" })).toBe(true);
  });
  it("defaultBehaviour: EQUALS without prefix", async () => {
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: NS.slice(0, 3) })).toBe(false);
  });
  it("suffix", async () => {
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: NS.slice(-4), comparison: "SUFFIX" })).toBe(true);
  });
  it("comparisonMismatchShouldPreferComparisonProperty", async () => {
    expect(await holds({ type: `${K}ExecutionNamespace`, namespace: NS.slice(-4), prefix: true, comparison: "SUFFIX" })).toBe(true);
  });
});

describe("ExecutionLabelsTest", () => {
  const labels = [{ key: "key", value: "value" }];
  const both = [...labels, { key: "key2", value: "value2" }];
  it("valid, validMultiples", async () => {
    expect(await holds({ type: `${K}ExecutionLabels`, labels }, mock({ labels: { key: "value" } }))).toBe(true);
    expect(await holds({ type: `${K}ExecutionLabels`, labels: both }, mock({ labels: { key: "value", key2: "value2" } }))).toBe(true);
  });
  it("invalid, invalidMultiples", async () => {
    expect(await holds({ type: `${K}ExecutionLabels`, labels })).toBe(false);
    expect(await holds({ type: `${K}ExecutionLabels`, labels: both }, mock({ labels: { key: "value" } }))).toBe(false);
  });
});

describe("ExecutionOutputsTest", () => {
  it("shouldEvaluateToTrueGivenValidExpression", async () => {
    expect(await holds({ type: `${K}ExecutionOutputs`, expression: "{{ trigger.outputs.test == 'value' }}" }, mock({ outputs: { test: "value" } }))).toBe(true);
  });
  it("shouldEvaluateToFalseGivenInvalidExpression", async () => {
    expect(await holds({ type: `${K}ExecutionOutputs`, expression: "{{ unknown is defined }}" }, mock({ outputs: { test: "value" } }))).toBe(false);
  });
  it("shouldEvaluateToFalseGivenExecutionWithNoOutputs", async () => {
    expect(await holds({ type: `${K}ExecutionOutputs`, expression: "{{ not evaluated }}" })).toBe(false);
  });
});

describe("ExecutionStatusTest, ExecutionFlowTest, ExpressionTest, HasRetryAttemptTest", () => {
  it("ExecutionStatus in, notIn, both (the mock is RUNNING)", async () => {
    expect(await holds({ type: `${K}ExecutionStatus`, in: ["SUCCESS"] })).toBe(false);
    expect(await holds({ type: `${K}ExecutionStatus`, notIn: ["SUCCESS"] })).toBe(true);
    expect(await holds({ type: `${K}ExecutionStatus`, in: ["CREATED"], notIn: ["SUCCESS"] })).toBe(false);
  });
  it("ExecutionFlow valid, notValid", async () => {
    expect(await holds({ type: `${K}ExecutionFlow`, namespace: NS, flowId: "valid" })).toBe(true);
    expect(await holds({ type: `${K}ExecutionFlow`, namespace: `${NS}a`, flowId: "valid" })).toBe(false);
  });
  it("Expression valid ({{ flow.id }}), invalid ({{ unknown is defined }})", async () => {
    expect(await holds({ type: `${K}Expression`, expression: "{{ flow.id }}" }, mock(), { test: "value" })).toBe(true);
    expect(await holds({ type: `${K}Expression`, expression: "{{ unknown is defined }}" }, mock(), { test: "value" })).toBe(false);
  });
  it("HasRetryAttempt test, onlyOne", async () => {
    const retried = mock({ taskRuns: [{ attempts: [{ state: "KILLED" }, { state: "SUCCESS" }] }] });
    expect(await holds({ type: `${K}HasRetryAttempt`, in: ["KILLED"] }, retried)).toBe(true);
    expect(await holds({ type: `${K}HasRetryAttempt`, in: ["FAILED"] }, retried)).toBe(false);
    expect(await holds({ type: `${K}HasRetryAttempt` }, mock({ taskRuns: [{ attempts: [{ state: "KILLED" }] }] }))).toBe(false);
  });
});

describe("NotTest.valid, OrTest.valid", () => {
  const day = (dayOfWeek: string) => ({ type: `${K}DayWeek`, date: "2013-09-08", dayOfWeek });
  const cases: Array<[string[], boolean, boolean]> = [
    [["SUNDAY"], false, true],
    [["SATURDAY", "MONDAY"], true, false],
    [["SUNDAY", "MONDAY"], false, true],
  ];
  for (const [days, not, or] of cases) {
    it(`${days.join(", ")}: Not ${not}, Or ${or}`, async () => {
      expect(await holds({ type: `${K}Not`, conditions: days.map(day) })).toBe(not);
      expect(await holds({ type: `${K}Or`, conditions: days.map(day) })).toBe(or);
    });
  }
});
