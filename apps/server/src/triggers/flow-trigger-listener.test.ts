import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

let t: TestFerry;
const executionsOf = async (flowId: string) =>
  ((await (await t.api(`/executions/search?namespace=chain.test&flowId=${flowId}`)).json()) as { results: any[] }).results;
const until = async <T>(probe: () => Promise<T | undefined>, ms = 5000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
};
/** Kestra's Label.toNestedMap: `system.from` → {system: {from}} */
const nestedOf = (labels: Record<string, string>) => {
  const out: Record<string, any> = {};
  for (const [key, value] of Object.entries(labels)) {
    const parts = key.split(".");
    let level = out;
    for (const part of parts.slice(0, -1)) level = level[part] ??= {};
    level[parts.at(-1)!] = value;
  }
  return out;
};
const run = async (flowId: string, inputs: Record<string, unknown> = {}) =>
  (await (await t.api(`/executions/chain.test/${flowId}?wait=true`, { method: "POST", body: JSON.stringify(inputs), headers: { "content-type": "application/json" } })).json()) as any;

beforeAll(async () => {
  t = await startTestFerry();
  await t.deploy(`id: upstream
namespace: chain.test
inputs:
  - { id: fail, type: BOOLEAN, defaults: false }
tasks:
  - id: out
    type: core.OutputValues
    values: { total: 42 }
  - id: maybe
    type: core.If
    condition: "{{ inputs.fail }}"
    then:
      - { id: boom, type: core.Fail }
outputs:
  - { id: total, type: INT, value: "{{ outputs.out.values.total }}" }
`);
  await t.deploy(`id: on-success
namespace: chain.test
inputs:
  - { id: total, type: INT }
tasks:
  - { id: log, type: core.Log, message: "upstream gave {{ inputs.total }}" }
triggers:
  - id: after-upstream
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      total: "{{ trigger.outputs.total }}"
    preconditions:
      flows:
        - { namespace: chain.test, flowId: upstream, states: [SUCCESS] }
`);
  await t.deploy(`id: on-failure
namespace: chain.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.flowId }} ended {{ trigger.state }}" }
triggers:
  - id: legacy-conditions
    type: io.kestra.core.models.triggers.types.Flow
    conditions:
      - type: io.kestra.plugin.core.condition.ExecutionFlow
        namespace: chain.test
        flowId: upstream
      - type: io.kestra.plugin.core.condition.ExecutionStatus
        in: [FAILED, WARNING]
`);
});
afterAll(async () => t?.close());

/* Issue 17: Kestra evaluates Flow triggers on each change of an execution's state, so a trigger naming PAUSED or RUNNING fires. */
describe("flow trigger on a state that is not an end", () => {
  beforeAll(async () => {
    await t.deploy(`id: pausing
namespace: chain.test
tasks:
  - { id: first, type: core.Pause, pauseDuration: PT0.3S }
  - { id: second, type: core.Pause, pauseDuration: PT0.3S }
`);
    await t.deploy(`id: on-paused
namespace: chain.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.flowId }} is {{ trigger.state }}" }
triggers:
  - id: when-paused
    type: io.kestra.plugin.core.trigger.Flow
    states: [PAUSED]
    conditions:
      - { type: io.kestra.plugin.core.condition.ExecutionFlow, namespace: chain.test, flowId: pausing }
`);
  });

  it("states: [PAUSED] starts the flow each time the upstream execution pauses (two Pauses, two starts), seeing trigger.state PAUSED", async () => {
    const upstream = await run("pausing");
    expect(upstream.state.current).toBe("SUCCESS");
    const started = await until(async () => {
      const found = await executionsOf("on-paused");
      return found.length === 2 ? found : undefined;
    });
    for (const e of started) expect(e.trigger.variables).toMatchObject({ executionId: upstream.id, flowId: "pausing", state: "PAUSED" });
    await new Promise((r) => setTimeout(r, 300));
    expect(await executionsOf("on-paused")).toHaveLength(2);
    // an end is no pause: on-success and on-failure were not started by it
    expect((await executionsOf("on-success")).some((e: any) => e.trigger.variables.executionId === upstream.id)).toBe(false);
  });

  it("a save that leaves the state as it was fires nothing again", async () => {
    const [one] = await executionsOf("pausing");
    t.ferry.deps.events.emit("execution", { executionId: one.id, namespace: "chain.test", flowId: "pausing", state: "PAUSED", entered: [] });
    await new Promise((r) => setTimeout(r, 300));
    expect(await executionsOf("on-paused")).toHaveLength(2);
  });

  it("without states it reacts to Kestra 1.x's default: every end and PAUSED (trigger/Flow.java: terminatedTypes() and PAUSED)", async () => {
    await t.deploy(`id: on-default-states
namespace: chain.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.state }}" }
triggers:
  - id: any-state
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - { type: io.kestra.plugin.core.condition.ExecutionFlow, namespace: chain.test, flowId: pausing }
`);
    const upstream = await run("pausing");
    const started = await until(async () => {
      const found = (await executionsOf("on-default-states")).filter((e: any) => e.trigger.variables.executionId === upstream.id);
      return found.length === 3 ? found : undefined;
    });
    expect(started.map((e: any) => e.trigger.variables.state).sort()).toEqual(["PAUSED", "PAUSED", "SUCCESS"]);
  });

  it("states: [PAUSING] starts the flow when an upstream Approval runs its onWait (ApprovalTest: PAUSING, then PAUSED); the default states (ends and PAUSED) do not hold PAUSING", async () => {
    await t.deploy(`id: approving
namespace: chain.test
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
    onWait: [{ id: notify, type: core.Log, message: requested }]
`);
    await t.deploy(`id: on-pausing
namespace: chain.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.state }}" }
triggers:
  - id: when-pausing
    type: io.kestra.plugin.core.trigger.Flow
    states: [PAUSING]
    conditions:
      - { type: io.kestra.plugin.core.condition.ExecutionFlow, namespace: chain.test, flowId: approving }
`);
    await t.deploy(`id: on-approving-default
namespace: chain.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.state }}" }
triggers:
  - id: any-state
    type: io.kestra.plugin.core.trigger.Flow
    conditions:
      - { type: io.kestra.plugin.core.condition.ExecutionFlow, namespace: chain.test, flowId: approving }
`);
    const upstream = (await (await t.api("/executions/chain.test/approving", { method: "POST" })).json()) as { id: string };
    const [started] = await until(async () => {
      const found = (await executionsOf("on-pausing")).filter((e: any) => e.trigger.variables.executionId === upstream.id);
      return found.length ? found : undefined;
    });
    expect(started.trigger.variables).toMatchObject({ flowId: "approving", state: "PAUSING" });
    // the default reacts to its PAUSED, not to its PAUSING
    const defaults = await until(async () => {
      const found = (await executionsOf("on-approving-default")).filter((e: any) => e.trigger.variables.executionId === upstream.id);
      return found.length ? found : undefined;
    });
    expect(defaults.map((e: any) => e.trigger.variables.state)).toEqual(["PAUSED"]);
    expect((await t.api(`/executions/${upstream.id}/kill`, { method: "DELETE" })).status).toBeLessThan(300);
  });

  it("states: [RESTARTED] starts the flow when the upstream is restarted, has a task run marked or is replayed from a task run (Kestra's restart, markAs, replay answer RESTARTED)", async () => {
    // an upstream of its own: the tests below count what "upstream" starts
    await t.deploy(`id: restartable
namespace: chain.test
inputs:
  - { id: fail, type: BOOLEAN, defaults: false }
tasks:
  - id: maybe
    type: core.If
    condition: "{{ inputs.fail }}"
    then:
      - { id: boom, type: core.Fail }
`);
    await t.deploy(`id: on-restarted
namespace: chain.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.state }}" }
triggers:
  - id: restarted
    type: io.kestra.plugin.core.trigger.Flow
    states: [RESTARTED]
    conditions:
      - { type: io.kestra.plugin.core.condition.ExecutionFlow, namespace: chain.test, flowId: restartable }
`);
    const failed = await run("restartable", { fail: true });
    expect(failed.state.current).toBe("FAILED");
    const startedBy = async (id: string) =>
      until(async () => {
        const found = (await executionsOf("on-restarted")).filter((e: any) => e.trigger.variables.executionId === id);
        return found.length ? found : undefined;
      });
    expect((await t.api(`/executions/${failed.id}/restart`, { method: "POST" })).status).toBe(200);
    expect((await startedBy(failed.id))[0].trigger.variables.state).toBe("RESTARTED");
    const ended = await until(async () => {
      const e = (await (await t.api(`/executions/${failed.id}`)).json()) as any;
      return e.state.current === "FAILED" && e.state.histories.length > 4 ? e : undefined;
    });
    const boom = ended.taskRunList.find((r: any) => r.taskId === "boom");
    const replay = (await (await t.api(`/executions/${failed.id}/replay?taskRunId=${boom.id}`, { method: "POST" })).json()) as any;
    expect(replay.state.current).toBe("RESTARTED");
    expect((await startedBy(replay.id))[0].trigger.variables.state).toBe("RESTARTED");
    // an execution that is never restarted fires nothing
    const plain = await run("restartable");
    await new Promise((r) => setTimeout(r, 300));
    expect((await executionsOf("on-restarted")).some((e: any) => e.trigger.variables.executionId === plain.id)).toBe(false);
  });

  it("refuses at deploy a state no execution enters, naming it (422)", async () => {
    for (const [state, why] of [["CREATED", /starts CREATED/], ["RETRYING", /never RETRYING/]] as const) {
      const response = await t.api("/flows", {
        method: "POST",
        headers: { "content-type": "application/x-yaml" },
        body: `id: never\nnamespace: chain.test\ntasks:\n  - { id: log, type: core.Log, message: hi }\ntriggers:\n  - { id: t, type: io.kestra.plugin.core.trigger.Flow, states: [SUCCESS, ${state}] }\n`,
      });
      expect(response.status).toBe(422);
      const body = (await response.json()) as { message: string };
      expect(body.message).toMatch(new RegExp(`state ${state} never fires a Flow trigger`));
      expect(body.message).toMatch(why);
      expect(body.message).toMatch(/triggers\[0\]\.states\[1\]/);
    }
  });
});

describe("flow trigger", () => {
  it("starts a flow when another ends in a matching state; it sees the upstream's id, state and outputs", async () => {
    const upstream = await run("upstream");
    expect(upstream.state.current).toBe("SUCCESS");
    const [started] = await until(async () => {
      const found = await executionsOf("on-success");
      return found.length ? found : undefined;
    });
    expect(started.trigger.variables).toMatchObject({ executionId: upstream.id, namespace: "chain.test", flowId: "upstream", state: "SUCCESS", outputs: { total: 42 } });
    expect(started.inputs).toEqual({ total: 42 });
    // the triggered execution continues the upstream's correlation
    expect(started.labels).toContainEqual({ key: "system.correlationId", value: upstream.id });
    // as every execution a trigger starts (Kestra's Label.FROM "trigger")
    expect(started.labels).toContainEqual({ key: "system.from", value: "trigger" });
    expect((await t.waitForEnd(started.id)).state.current).toBe("SUCCESS");
    await new Promise((r) => setTimeout(r, 300));
    expect(await executionsOf("on-failure")).toHaveLength(0);
    expect(await executionsOf("on-success")).toHaveLength(1);
  });

  it("Kestra's ExecutionFlow and ExecutionStatus conditions filter the same way", async () => {
    const upstream = await run("upstream", { fail: true });
    expect(upstream.state.current).toBe("FAILED");
    const [started] = await until(async () => {
      const found = await executionsOf("on-failure");
      return found.length ? found : undefined;
    });
    expect(started.trigger.variables).toMatchObject({ executionId: upstream.id, state: "FAILED" });
    // Kestra's Flow.Output: the upstream's dates, first failed and last task ids, its labels nested without the correlation id (FlowTest.success_withLabels)
    const own = Object.fromEntries((upstream.labels as Array<{ key: string; value: string }>).filter((l) => l.key !== "system.correlationId").map((l) => [l.key, l.value]));
    // task runs in creation order, as Kestra's taskRunList: the If `maybe` failed before its child `boom` was last created
    expect(started.trigger.variables).toMatchObject({ firstFailedTaskId: "maybe", lastTaskId: "boom", startDate: upstream.state.startDate, endDate: upstream.state.endDate });
    expect(started.trigger.variables.executionLabels).toEqual(nestedOf(own));
    expect(JSON.stringify(started.trigger.variables.executionLabels)).not.toContain("correlationId");
    const logs = (await (await t.api(`/logs/${(await t.waitForEnd(started.id)).id}`)).json()) as Array<{ message: string }>;
    expect(logs.map((l) => l.message)).toContain("upstream ended FAILED");
    expect(await executionsOf("on-success")).toHaveLength(1);
  });

  it("a repeated end of one execution starts the downstream flow once", async () => {
    const upstream = await run("upstream");
    await until(async () => ((await executionsOf("on-success")).length === 2 ? true : undefined));
    t.ferry.deps.events.emit("execution", { executionId: upstream.id, namespace: "chain.test", flowId: "upstream", state: "SUCCESS", entered: [] });
    await new Promise((r) => setTimeout(r, 300));
    expect(await executionsOf("on-success")).toHaveLength(2);
  });
});

/*
 * Issue 17: Kestra renders a Flow trigger's inputs with runContextFactory.of(downstreamFlow, upstreamExecution)
 * (FlowTriggerService.computeExecutionsFromFlowTriggers): `outputs`, `execution`, `inputs` and `labels` are the
 * upstream execution's (trigger-flow-listener.yaml: `from-parent: '{{ outputs.only.value }}'`, FlowTriggerCaseTest.trigger).
 */
describe("flow trigger inputs read the upstream execution", () => {
  beforeAll(async () => {
    await t.deploy(`id: producer
namespace: chain.test
labels: { team: data }
inputs:
  - { id: who, type: STRING, defaults: kestra }
tasks:
  - { id: only, type: core.Return, format: "from parents: {{ execution.id }}" }
  - id: each
    type: core.ForEach
    values: ["a", "b"]
    tasks:
      - { id: ret, type: core.Return, format: "v-{{ taskrun.value }}" }
`);
    await t.deploy(`id: consumer
namespace: chain.test
inputs:
  - { id: from-parent, type: STRING }
  - { id: second, type: STRING }
  - { id: context, type: STRING }
tasks:
  - { id: echo, type: core.Return, format: "childs: {{ inputs['from-parent'] }}" }
triggers:
  - id: listen
    type: io.kestra.plugin.core.trigger.Flow
    inputs:
      from-parent: "{{ outputs.only.value }}"
      second: "{{ outputs.ret['b'].value }}"
      context: "{{ execution.id }} {{ inputs.who }} {{ labels.team }} {{ flow.id }}"
    conditions:
      - { type: io.kestra.plugin.core.condition.ExecutionFlow, namespace: chain.test, flowId: producer }
`);
  });

  it("renders `outputs.<task>`, `execution`, `inputs` and `labels` of the upstream execution, `flow` of its own", async () => {
    const upstream = await run("producer");
    expect(upstream.state.current).toBe("SUCCESS");
    const [started] = await until(async () => {
      const found = await executionsOf("consumer");
      return found.length ? found : undefined;
    });
    expect(started.inputs).toEqual({ "from-parent": `from parents: ${upstream.id}`, second: "v-b", context: `${upstream.id} kestra data consumer` });
    const ended = await t.waitForEnd(started.id);
    expect(ended.state.current).toBe("SUCCESS");
    expect(ended.taskRunList[0].outputs).toEqual({ value: `childs: from parents: ${upstream.id}` });
  });
});

/*
 * Issue 17: Kestra's FlowValidator judges the inputs of Schedule and Webhook triggers only
 * (inputsSuppliedBy): a Flow trigger that gives no value for a required input deploys. When it
 * fires, the execution starts without it: Kestra's Flow.evaluate gives the inputs as the trigger
 * renders them, never through FlowInputOutput.readExecutionInputs, and FlowTriggerCaseTest.trigger
 * runs trigger-flow-listener-namespace-condition.yaml (required `from-parent`, no trigger inputs) to SUCCESS.
 */
describe("flow trigger on a flow with a required input it does not give", () => {
  beforeAll(async () => {
    await t.deploy(`id: plain-upstream
namespace: chain.test
tasks:
  - { id: ok, type: core.Log, message: done }
`);
    const listening = (id: string, inputs: string) => `id: ${id}
namespace: chain.test
${inputs}tasks:
  - { id: log, type: core.Log, message: "started" }
triggers:
  - id: after-plain
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      flows:
        - { namespace: chain.test, flowId: plain-upstream, states: [SUCCESS] }
`;
    // deploys: t.deploy throws on anything but 200
    await t.deploy(listening("needs-name", "inputs:\n  - { id: name, type: STRING }\n"));
    await t.deploy(listening("needs-nothing", ""));
  });

  it("deploys, and when it fires its execution starts without the input and runs, as its sibling's does", async () => {
    expect((await run("plain-upstream")).state.current).toBe("SUCCESS");
    await until(async () => ((await executionsOf("needs-nothing")).length === 1 ? true : undefined));
    const [started] = await until(async () => {
      const found = await executionsOf("needs-name");
      return found.length ? found : undefined;
    });
    expect(started.inputs ?? {}).toEqual({});
    expect((await t.waitForEnd(started.id)).state.current).toBe("SUCCESS");
    // started any other way, the required input is still required
    const refused = await t.api("/executions/chain.test/needs-name", { method: "POST", body: "{}", headers: { "content-type": "application/json" } });
    expect(refused.status).toBe(422);
    expect(await refused.text()).toContain("input 'name' (STRING) is required");
  });
});
