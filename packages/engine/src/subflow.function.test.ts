import { renderString, type RenderContext } from "@ferry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";

/*
 * subflow(), as Kestra's SubflowFunctionTest asserts it (core/src/test/java/io/kestra/core/runners/
 * pebble/functions/SubflowFunctionTest.java), with flows written as its subflow-function-*.yaml:
 * the function runs the flow on the real engine, waits for its end, and answers its id, state,
 * flow outputs and labels.
 */

const NAMESPACE = "io.ferry.tests";
const child = `id: subflow-function-child
namespace: ${NAMESPACE}
inputs:
  - { id: region, type: STRING, defaults: eu }
tasks:
  - { id: hello, type: core.Return, format: "{{ inputs.region }}" }
outputs:
  - { id: datacenters, type: STRING, value: "dc-{{ inputs.region }}" }
`;
const failing = `id: subflow-function-failing
namespace: ${NAMESPACE}
tasks:
  - { id: fail, type: core.Fail }
`;
const recursive = `id: subflow-function-recursive
namespace: ${NAMESPACE}
inputs:
  - id: x
    type: STRING
    defaults: "{{ subflow(namespace='${NAMESPACE}', id='subflow-function-recursive').outputs.x }}"
tasks:
  - { id: hello, type: core.Return, format: "{{ inputs.x }}" }
outputs:
  - { id: x, type: STRING, value: "{{ inputs.x }}" }
`;
const mutual = (self: string, other: string) => `id: subflow-function-mutual-${self}
namespace: ${NAMESPACE}
inputs:
  - id: x
    type: STRING
    defaults: "{{ subflow(namespace='${NAMESPACE}', id='subflow-function-mutual-${other}').outputs.x }}"
tasks:
  - { id: hello, type: core.Return, format: "{{ inputs.x }}" }
outputs:
  - { id: x, type: STRING, value: "{{ inputs.x }}" }
`;

let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness();
  for (const source of [child, failing, recursive, mutual("a", "b"), mutual("b", "a")]) await h.deploy(source);
});
afterAll(async () => h?.close());

/** a render as an input's templates get it: the caller flow, and the namespace's input functions */
const context = (variables: Record<string, unknown> = { flow: { id: "caller", namespace: NAMESPACE } }): RenderContext => ({
  variables,
  functions: h.executions.inputFunctionsFor(NAMESPACE),
});
const render = (template: string, variables?: Record<string, unknown>) => renderString(template, context(variables));

describe("subflow() (SubflowFunctionTest)", () => {
  it("shouldRunSubflowAndExposeFlowOutputs: the child's flow output", async () => {
    expect(await render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child', inputs={'region': 'us'}).outputs.datacenters }}`)).toBe("dc-us");
  });

  it("shouldExposeStateAndLabelsOnTheResult: state SUCCESS, label system.from = subflow", async () => {
    expect(await render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child').state }}`)).toBe("SUCCESS");
    expect(await render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child').labels['system.from'] }}`)).toBe("subflow");
  });

  it("the result's id is the child execution's, which ran as any execution does", async () => {
    const id = await render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child', inputs={'region': 'ap'}).id }}`);
    const found = await h.repository.getExecution(id);
    expect(found?.execution.flowId).toBe("subflow-function-child");
    expect(found?.execution.labels["system.from"]).toBe("subflow");
    expect(found?.taskRuns.map((r) => [r.taskId, r.state.current])).toEqual([["hello", "SUCCESS"]]);
  });

  it("shouldMergeProvidedLabels", async () => {
    expect(await render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child', labels={'team': 'data'}).labels.team }}`)).toBe("data");
  });

  it("shouldThrowWhenSettingReservedSystemLabel", async () => {
    await expect(render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child', labels={'system.test': 'x'}) }}`)).rejects.toThrow("system label");
  });

  it("shouldAllowCorrelationIdSystemLabel", async () => {
    const id = await render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child', labels={'system.correlationId': 'abc'}).id }}`);
    expect((await h.repository.getExecution(id))?.execution.labels["system.correlationId"]).toBe("abc");
  });

  it("shouldUseSubflowInputDefaultsWhenNotProvided", async () => {
    expect(await render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child').outputs.datacenters }}`)).toBe("dc-eu");
  });

  it("shouldThrowWhenFlowNotFound", async () => {
    await expect(render(`{{ subflow(namespace='${NAMESPACE}', id='does-not-exist') }}`)).rejects.toThrow("does-not-exist");
  });

  it("shouldThrowWhenSubflowFails: names the state and the execution", async () => {
    await expect(render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-failing') }}`)).rejects.toThrow(/ended in state FAILED \(execution /);
  });

  it("shouldThrowWhenFlowCallsItself and shouldThrowWhenMaxDepthExceeded: the depth cap, before any execution is made", async () => {
    const before = (await h.repository.searchExecutions({ namespace: NAMESPACE, page: 1, size: 1000 })).total;
    await expect(render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-recursive') }}`)).rejects.toThrow("depth");
    await expect(render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-mutual-a') }}`)).rejects.toThrow("depth");
    expect((await h.repository.searchExecutions({ namespace: NAMESPACE, page: 1, size: 1000 })).total).toBe(before);
  });

  it("shouldThrowWhenNamespaceOrIdMissing", async () => {
    await expect(render("{{ subflow(id='subflow-function-child') }}")).rejects.toThrow("'namespace' and 'id'");
  });

  it("shouldThrowWhenNoFlowContext", async () => {
    await expect(render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child') }}`, {})).rejects.toThrow("flow context");
  });

  it("shouldThrowWhenUsedInTaskContext and shouldThrowWhenUsedInTriggerContext", async () => {
    const flow = { id: "caller", namespace: NAMESPACE };
    await expect(render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child') }}`, { flow, taskrun: { id: "abc" } })).rejects.toThrow("task or trigger");
    await expect(render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child') }}`, { flow, trigger: { id: "schedule" } })).rejects.toThrow("task or trigger");
  });

  it("shouldThrowWhenTimeoutExceedsMax (PT5M), and a timeout that is no duration", async () => {
    await expect(render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child', timeout='PT10M') }}`)).rejects.toThrow("exceeds the maximum");
    await expect(render(`{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child', timeout='soon') }}`)).rejects.toThrow("ISO-8601 duration");
  });

  it("a task's properties may not call it (the worker's render)", async () => {
    const r = await h.run(`id: subflow-in-task
namespace: ${NAMESPACE}
tasks:
  - { id: t, type: core.Return, format: "{{ subflow(namespace='${NAMESPACE}', id='subflow-function-child').state }}" }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().join("\n")).toContain("not supported inside task or trigger properties");
  });

  it("a SELECT input's expression lists values a subflow computed (the use Kestra builds it for)", async () => {
    const parent = await h.deploy(`id: subflow-select
namespace: ${NAMESPACE}
inputs:
  - id: dc
    type: SELECT
    expression: "{{ [subflow(namespace='${NAMESPACE}', id='subflow-function-child').outputs.datacenters, 'dc-other'] }}"
tasks:
  - { id: t, type: core.Return, format: "{{ inputs.dc }}" }
`);
    const execution = await h.executions.create({ flow: parent, inputs: { dc: "dc-eu" } });
    const ended = await h.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
    expect(ended.execution.state.current).toBe("SUCCESS");
    await expect(h.executions.create({ flow: parent, inputs: { dc: "dc-mars" } })).rejects.toThrow(/dc-mars/);
  });
});
