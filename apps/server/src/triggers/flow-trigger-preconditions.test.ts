import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";
import { namespacePath } from "@ferry/sdk";
import { windowBounds } from "./precondition-window.js";

let t: TestFerry;
const executionsOf = async (flowId: string) =>
  ((await (await t.api(`/executions/search?namespace=pre.test&flowId=${flowId}&size=100`)).json()) as { results: any[] }).results;
const run = async (flowId: string, inputs: Record<string, unknown> = {}) =>
  (await (await t.api(`/executions/pre.test/${flowId}?wait=true`, { method: "POST", body: JSON.stringify(inputs), headers: { "content-type": "application/json" } })).json()) as any;
/** flow triggers run after the end is saved: give them a moment */
const settle = () => new Promise((r) => setTimeout(r, 600));
const upstream = (id: string, output = id) => `id: ${id}
namespace: pre.test
inputs:
  - { id: fail, type: BOOLEAN, defaults: false }
labels: { team: data }
tasks:
  - { id: out, type: core.OutputValues, values: { v: "${output}" } }
  - id: maybe
    type: core.If
    condition: "{{ inputs.fail }}"
    then:
      - { id: boom, type: core.Fail }
outputs:
  - { id: ${id}_out, type: STRING, value: "{{ outputs.out.values.v }}" }
`;

beforeAll(async () => {
  t = await startTestFerry();
  for (const id of ["flow_a", "flow_b", "flow_c"]) await t.deploy(upstream(id));
  await t.deploy(`id: after_both
namespace: pre.test
tasks:
  - { id: log, type: core.Log, message: "a={{ trigger.outputs.flow_a_out }} b={{ trigger.outputs.flow_b_out }}" }
triggers:
  - id: both
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: both
      flows:
        - { namespace: pre.test, flowId: flow_a, states: [SUCCESS] }
        - { namespace: pre.test, flowId: flow_b, states: [SUCCESS], labels: { team: data } }
`);
  await t.deploy(`id: every_time
namespace: pre.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.flowId }}" }
triggers:
  - id: each
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: each
      resetOnSuccess: false
      timeWindow: { type: SLIDING_WINDOW, window: PT1H }
      flows:
        - { namespace: pre.test, flowId: flow_c }
`);
  await t.deploy(`id: on_failures
namespace: pre.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.flowId }} {{ trigger.state }}" }
triggers:
  - id: failures
    type: io.kestra.plugin.core.trigger.Flow
    states: [FAILED]
    preconditions:
      id: failures
      where:
        - id: in_pre
          operand: AND
          filters:
            - { field: NAMESPACE, type: STARTS_WITH, value: pre. }
            - { field: FLOW_ID, type: IN, values: [flow_a, flow_b] }
`);
  await t.deploy(`id: multiple
namespace: pre.test
tasks:
  - { id: log, type: core.Log, message: multiple }
triggers:
  - id: legacy
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in: [SUCCESS]
      - id: ab
        type: io.kestra.plugin.core.condition.MultipleCondition
        window: PT12H
        conditions:
          flow_a:
            type: io.kestra.plugin.core.condition.ExecutionFlow
            namespace: pre.test
            flowId: flow_a
          flow_c:
            type: io.kestra.plugin.core.condition.ExecutionFlow
            namespace: pre.test
            flowId: flow_c
`);
  // Kestra's io.kestra.plugin.core.condition.ExecutionsCondition @Example: a flow waiting for two others within a window
  await t.deploy(`id: executions_condition
namespace: pre.test
triggers:
  - id: wait_for_upstream
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - id: poll_for_flows
        type: io.kestra.plugin.core.condition.ExecutionsCondition
        preconditions:
          - namespace: pre.test
            flowId: flow_a
            states: [SUCCESS, WARNING]
          - namespace: pre.test
            flowId: flow_b
            states: [SUCCESS]
tasks:
  - { id: hello, type: core.Log, message: "I'm triggered after two flows!" }
`);
  // Kestra's io.kestra.plugin.core.condition.AdvancedExecutionsCondition @Example: execution filters, LABEL among them
  await t.deploy(`id: advanced_condition
namespace: pre.test
triggers:
  - id: wait_for_upstream
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - id: poll_for_flows
        type: io.kestra.plugin.core.condition.AdvancedExecutionsCondition
        preconditions:
          - id: flow1
            operand: AND
            filters:
              - { field: NAMESPACE, type: EQUAL_TO, value: pre.test }
              - { field: FLOW_ID, type: EQUAL_TO, value: flow_a }
              - { field: STATE, type: IN, values: [SUCCESS, WARNING, CANCELLED] }
          - id: flow2
            operand: AND
            filters:
              - { field: FLOW_ID, type: EQUAL_TO, value: flow_b }
              - { field: STATE, type: EQUAL_TO, value: SUCCESS }
              - { field: LABEL, type: EQUAL_TO, value: "team:data" }
              - { field: EXPRESSION, type: IS_TRUE, value: "{{ outputs.out.values.v == 'flow_b' }}" }
tasks:
  - { id: hello, type: core.Log, message: "{{ trigger.flowId }}" }
`);
});
afterAll(async () => t?.close());

describe("Flow trigger preconditions over several flows", () => {
  it("starts once every upstream flow has met its precondition within the window, with their outputs merged, then waits for a new set", async () => {
    await run("flow_a");
    await settle();
    expect(await executionsOf("after_both")).toHaveLength(0);
    await run("flow_a", { fail: true });
    await run("flow_b");
    await settle();
    const [started] = await executionsOf("after_both");
    expect(await executionsOf("after_both")).toHaveLength(1);
    expect(started.trigger.variables).toMatchObject({ flowId: "flow_b", state: "SUCCESS", outputs: { flow_a_out: "flow_a", flow_b_out: "flow_b" } });
    // reset on success: another flow_b alone starts nothing
    await run("flow_b");
    await settle();
    expect(await executionsOf("after_both")).toHaveLength(1);
    await run("flow_a");
    await settle();
    expect(await executionsOf("after_both")).toHaveLength(2);
  });

  it("resetOnSuccess: false starts on each met condition within a sliding window; `where` filters match failures by namespace and flow", async () => {
    await run("flow_c");
    await run("flow_c");
    await settle();
    expect(await executionsOf("every_time")).toHaveLength(2);
    await run("flow_b", { fail: true });
    await run("flow_c", { fail: true });
    await settle();
    const failures = await executionsOf("on_failures");
    expect(failures.map((e) => e.trigger.variables.flowId).sort()).toEqual(["flow_a", "flow_b"]);
  });

  it("MultipleCondition in conditions keeps its results the same way", async () => {
    // flow_a succeeded twice, then flow_c twice: the first flow_c completes the set, which then resets
    expect(await executionsOf("multiple")).toHaveLength(1);
  });

  it("ExecutionsCondition (Kestra's @Example) keeps its preconditions' results as preconditions do: started with the same sets as after_both", async () => {
    expect(await executionsOf("executions_condition")).toHaveLength((await executionsOf("after_both")).length);
    expect((await executionsOf("executions_condition")).length).toBeGreaterThan(0);
    const deploy = (conditions: string, trigger = "type: io.kestra.plugin.core.trigger.Flow") =>
      t.api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: `id: bad_ec\nnamespace: pre.test\ntasks:\n  - { id: l, type: core.Log, message: x }\ntriggers:\n  - id: f\n    ${trigger}\n    conditions:\n${conditions}` });
    const noPreconditions = await deploy("      - { id: p, type: io.kestra.plugin.core.condition.ExecutionsCondition }\n");
    expect(noPreconditions.status).toBe(422);
    expect(JSON.stringify(await noPreconditions.json())).toContain("preconditions");
    const onSchedule = await deploy("      - { id: p, type: io.kestra.plugin.core.condition.ExecutionsCondition, preconditions: [{ namespace: pre.test }] }\n", 'type: io.kestra.plugin.core.trigger.Schedule\n    cron: "0 * * * *"');
    expect(onSchedule.status).toBe(422);
    expect(JSON.stringify(await onSchedule.json())).toContain("keeps results across executions");
  });

  it("AdvancedExecutionsCondition (Kestra's @Example) keeps its filter preconditions' results by id: started with the same sets as after_both, by flow_b", async () => {
    const started = await executionsOf("advanced_condition");
    expect(started).toHaveLength((await executionsOf("after_both")).length);
    expect(started.length).toBeGreaterThan(0);
    expect(started.map((e: any) => e.trigger.variables.flowId)).toContain("flow_b");
    const deploy = (filter: string) =>
      t.api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: `id: bad_aec\nnamespace: pre.test\ntasks:\n  - { id: l, type: core.Log, message: x }\ntriggers:\n  - id: f\n    type: io.kestra.plugin.core.trigger.Flow\n    conditions:\n      - { id: p, type: io.kestra.plugin.core.condition.AdvancedExecutionsCondition, preconditions: [{ id: a, filters: [${filter}] }] }\n` });
    const noValue = await deploy("{ field: LABEL, type: IS_NOT_NULL }");
    expect(noValue.status).toBe(422);
    expect(JSON.stringify(await noValue.json())).toContain("IS_NOT_NULL filter on LABEL needs value");
    expect((await deploy("{ field: LABEL, type: IS_NOT_NULL, value: team }")).status).toBe(200);
  });

  it("a set whose start's server died before its reset is reset by the next end, which still counts: the window is not stuck", async () => {
    const storage = t.ferry.deps.store.storage;
    const resetMark = `${namespacePath("pre.test")}/_flow-triggers/after_both/both/both/reset.json`;
    const earlier = await storage.get(resetMark);
    expect(earlier).toBeDefined();
    const before = (await executionsOf("after_both")).length;
    await run("flow_a");
    await run("flow_b");
    await settle();
    expect(await executionsOf("after_both")).toHaveLength(before + 1);
    // the server killed between the start and the reset: the set started, its results not marked used
    await storage.put(resetMark, earlier!);
    await run("flow_a");
    await settle();
    expect(await executionsOf("after_both")).toHaveLength(before + 1);
    // before, every later end found the started set, lost its claim, started nothing and reset nothing
    await run("flow_b");
    await settle();
    expect(await executionsOf("after_both")).toHaveLength(before + 2);
  });

  it("is refused at deploy when a filter lacks its value or a time window mixes types", async () => {
    const deploy = (preconditions: string) =>
      t.api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: `id: bad_pre\nnamespace: pre.test\ntasks:\n  - { id: l, type: core.Log, message: x }\ntriggers:\n  - id: f\n    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n${preconditions}` });
    const noValue = await deploy("      where:\n        - id: w\n          filters:\n            - { field: FLOW_ID, type: EQUAL_TO }\n");
    expect(noValue.status).toBe(422);
    expect(((await noValue.json()) as { message: string }).message).toContain("needs value");
    const mixed = await deploy("      flows: [{ namespace: pre.test, flowId: flow_a }]\n      timeWindow: { type: DAILY_TIME_DEADLINE, window: PT1H }\n");
    expect(mixed.status).toBe(422);
    expect(JSON.stringify(await mixed.json())).toMatch(/needs deadline|window is not used/);
  });
});

describe("time windows", () => {
  const at = (iso: string) => Date.parse(iso);
  it("DURATION_WINDOW: windows of `window` from midnight UTC plus windowAdvance", () => {
    expect(windowBounds(undefined, at("2024-05-04T13:00:00Z"))).toEqual({ start: at("2024-05-04T00:00:00Z"), end: at("2024-05-05T00:00:00Z") - 1 });
    expect(windowBounds({ type: "DURATION_WINDOW", window: "PT6H", windowAdvance: "PT6H" }, at("2024-05-04T13:00:00Z"))).toEqual({ start: at("2024-05-04T12:00:00Z"), end: at("2024-05-04T18:00:00Z") - 1 });
    expect(windowBounds({ type: "DURATION_WINDOW", window: "PT6H", windowAdvance: "PT6H" }, at("2024-05-04T03:00:00Z"))).toEqual({ start: at("2024-05-04T00:00:00Z"), end: at("2024-05-04T06:00:00Z") - 1 });
  });
  it("SLIDING_WINDOW looks back `window`; daily deadlines and windows are closed outside their hours", () => {
    expect(windowBounds({ type: "SLIDING_WINDOW", window: "PT1H" }, at("2024-05-04T13:00:00Z"))).toEqual({ start: at("2024-05-04T12:00:00Z"), end: at("2024-05-04T13:00:00Z") });
    expect(windowBounds({ type: "DAILY_TIME_DEADLINE", deadline: "09:00:00" }, at("2024-05-04T08:00:00Z"))).toEqual({ start: at("2024-05-04T00:00:00Z"), end: at("2024-05-04T09:00:00Z") });
    expect(windowBounds({ type: "DAILY_TIME_DEADLINE", deadline: "09:00:00" }, at("2024-05-04T10:00:00Z"))).toBeUndefined();
    expect(windowBounds({ type: "DAILY_TIME_WINDOW", startTime: "06:00:00", endTime: "09:00:00" }, at("2024-05-04T07:00:00Z"))).toEqual({ start: at("2024-05-04T06:00:00Z"), end: at("2024-05-04T09:00:00Z") });
    expect(windowBounds({ type: "DAILY_TIME_WINDOW", startTime: "06:00:00", endTime: "09:00:00" }, at("2024-05-04T05:00:00Z"))).toBeUndefined();
  });
});
