import { defineTask, definePlugin, z } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

// fails until its third attempt, reporting what its templates saw
const seen: number[] = [];
const counting = defineTask({
  kind: "runnable",
  type: "test.Attempts",
  title: "records attemptsCount",
  properties: z.object({ count: z.coerce.number() }),
  async run(_ctx, props) {
    seen.push(props.count);
    if (seen.length < 3) throw new Error(`attempt ${seen.length}`);
    return { count: props.count };
  },
});

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness([definePlugin({ name: "test", version: "0", tasks: [counting] })])));
afterAll(async () => h.close());

describe("run variables as Kestra's RunVariables gives them", () => {
  it("a flow without inputs has no `inputs` variable: the Switch reading one fails naming `inputs` (VariablesTest.invalidVars)", async () => {
    const r = await h.run(`
id: variables-invalid
namespace: test.engine
tasks:
  - id: date
    type: core.Return
    format: "{{taskrun.startDate}}"
  - id: parent-seq
    type: core.Switch
    value: "{{inputs.invalid}}"
    cases:
      FIRST:
        - { id: t1, type: core.Return, format: "{{task.id}}" }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.taskRuns.map((t) => [t.taskId, t.state.current])).toEqual([["date", "SUCCESS"], ["parent-seq", "FAILED"]]);
    const switchRun = r.taskRuns[1].id;
    expect(r.logs.filter((l) => l.taskRunId === switchRun).map((l) => l.message).join("\n")).toContain("Unable to find `inputs` used in the expression `{{inputs.invalid}}` at line 1");
    // a flow with inputs has the variable: the missing one is named instead
    const withInputs = await h.run(`
id: variables-invalid-with-inputs
namespace: test.engine
inputs: [{ id: given, type: STRING, defaults: x }]
tasks:
  - { id: log, type: core.Log, message: "{{ inputs.given }} {{inputs.invalid}}" }
`);
    expect(withInputs.messages().join("\n")).toContain("Unable to find `invalid` used in the expression `{{ inputs.given }} {{inputs.invalid}}` at line 1");
  });

  it("taskrun.attemptsCount counts the attempts made before this one, from 0", async () => {
    const r = await h.run(`
id: attempts-count
namespace: test.engine
tasks:
  - id: flaky
    type: test.Attempts
    count: "{{ taskrun.attemptsCount }}"
    retry: { type: constant, interval: PT0.01S, maxAttempt: 3 }
  - id: first
    type: core.Return
    format: "{{ taskrun.attemptsCount }}"
`);
    expect(seen).toEqual([0, 1, 2]);
    expect(await r.outputs("first")).toEqual({ value: "0" });
  });

  it("parent and parents are the enclosing task runs with a value of their own or outputs, nearest first, as Kestra's Execution.parents lists them", async () => {
    const r = await h.run(`
id: parents
namespace: test.engine
tasks:
  - id: outer
    type: core.ForEach
    values: [a]
    tasks:
      - id: inner
        type: core.ForEach
        values: [x]
        tasks:
          - id: branch
            type: core.If
            condition: "true"
            then:
              - id: route
                type: core.Switch
                value: one
                cases:
                  one:
                    - id: fan
                      type: core.Parallel
                      tasks:
                        - id: leaf
                          type: core.Return
                          format: "{{ parent.task.id }} {{ parents | length }} {{ parents[1].task.id }}={{ parents[1].taskrun.value }} {{ parents[2].task.id }}={{ parents[2].taskrun.value }} {{ parents[0].taskrun.value ?? '-' }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const leaf = r.runs("leaf")[0];
    const value = ((await r.outputs("leaf")) ?? (await h.store.read(leaf.outputsUri!))) as { value: string };
    // fan (a Parallel with its loop's value only) and outer (no value) carry neither and are left
    // out; route (a Switch) has outputs, branch its own value x and outputs, inner its own a
    expect(value.value).toBe("route 3 branch=x inner=a -");
  });

  it("a Switch's, an If's children have no value of their own (FlowableUtils.resolveTasks): taskrun.value is absent, parent.taskrun.value is the loop's, outputs nest under every enclosing loop value (Execution.outputs)", async () => {
    const r = await h.run(`
id: child-values
namespace: test.engine
tasks:
  - id: each
    type: core.ForEach
    values: [a, b]
    tasks:
      - id: pick
        type: core.Switch
        value: "{{ taskrun.value }}"
        cases:
          a:
            - id: chosen
              type: core.Return
              format: "{{ taskrun.value ?? 'none' }} {{ parent.taskrun.value }}"
          b:
            - id: other
              type: core.Log
              message: "case b"
      - id: check
        type: core.If
        condition: "{{ taskrun.value == 'b' }}"
        then:
          - id: then_b
            type: core.Return
            format: "{{ taskrun.value ?? 'none' }} {{ parent.taskrun.value }}"
  - id: same
    type: core.ForEach
    values: [a]
    tasks:
      - id: again
        type: core.ForEach
        values: [a]
        tasks:
          - id: twice
            type: core.Return
            format: "{{ taskrun.value }} {{ parent.taskrun.value }}"
  - id: after
    type: core.Return
    format: "{{ outputs.chosen.a.value }}|{{ outputs.then_b.b.value }}|{{ outputs.twice.a.a.value }}|{{ tasks.chosen.state }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("pick").map((t) => t.value).sort()).toEqual(["a", "b"]);
    expect(r.runs("chosen").map((t) => t.value)).toEqual([undefined]);
    expect(r.runs("then_b").map((t) => t.value)).toEqual([undefined]);
    // an inner loop over the value of its outer one nests twice: Kestra's findParentsValues keeps each level
    expect(await r.outputs("after")).toEqual({ value: "none a|none b|a a|SUCCESS" });
  });

  it("labels.system.correlationId is the execution's own id, and a chain of subflows shares the first one's", async () => {
    await h.deploy(`
id: grandchild
namespace: test.engine
tasks:
  - { id: read, type: core.Return, format: "{{ labels.system.correlationId }}" }
outputs:
  - { id: correlation, type: STRING, value: "{{ outputs.read.value }}" }
`);
    await h.deploy(`
id: child
namespace: test.engine
tasks:
  - { id: call, type: core.Subflow, namespace: test.engine, flowId: grandchild }
outputs:
  - { id: correlation, type: STRING, value: "{{ outputs.call.outputs.correlation }}" }
`);
    const r = await h.run(`
id: parent
namespace: test.engine
tasks:
  - { id: call, type: core.Subflow, namespace: test.engine, flowId: child }
  - { id: own, type: core.Return, format: "{{ labels.system.correlationId }} {{ execution.originalId }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.execution.labels["system.correlationId"]).toBe(r.execution.id);
    expect(await r.outputs("own")).toEqual({ value: `${r.execution.id} ${r.execution.id}` });
    expect(((await r.outputs("call")) as { outputs: { correlation: string } }).outputs.correlation).toBe(r.execution.id);
  });

  it("a caller cannot set a system label; Ferry sets its own beside the flow's and the caller's", async () => {
    const flow = await h.deploy(`
id: system-labels
namespace: test.engine
labels:
  team: data
tasks:
  - { id: log, type: core.Log, message: hi }
`);
    await expect(h.executions.create({ flow, labels: { "system.correlationId": "forged" } })).rejects.toThrow(/System labels can only be set by Kestra itself, offending label: system.correlationId=forged/);
    const execution = await h.executions.create({ flow, labels: { env: "prod" } });
    expect(execution.labels).toEqual({ team: "data", env: "prod", "system.correlationId": execution.id });
  });
});

describe("inputs in templates", () => {
  it("a dotted input id reads as inputs.nested.string; a templated default renders when the execution starts", async () => {
    const r = await h.run(
      `
id: nested-inputs
namespace: test.engine
inputs:
  - { id: nested.string, type: STRING }
  - { id: nested.number, type: INT, defaults: "{{ 6 * 7 }}" }
tasks:
  - { id: read, type: core.Return, format: "{{ inputs.nested.string }} {{ inputs.nested.number }}" }
`,
      { "nested.string": "hello" },
    );
    expect(await r.outputs("read")).toEqual({ value: "hello 42" });
  });

  it("a SELECT's expression may read the KV store of the flow's namespace", async () => {
    await h.kv.set("test.engine", "choices", ["blue", "green"], {});
    const flow = `
id: kv-select
namespace: test.engine
inputs:
  - { id: color, type: SELECT, expression: "{{ kv('choices') }}" }
tasks:
  - { id: read, type: core.Return, format: "{{ inputs.color }}" }
`;
    expect(await (await h.run(flow, { color: "green" })).outputs("read")).toEqual({ value: "green" });
    await expect(h.run(flow, { color: "red" })).rejects.toThrow(/'red' is not one of the values blue, green/);
  });
});

describe("a subflow's trigger and labels", () => {
  it("the child sees trigger.executionId, namespace, flowId, flowRevision, taskRunId and taskId; inherited labels yield to the child flow's own", async () => {
    await h.deploy(`
id: trigger-child
namespace: test.engine
labels: { owner: child }
tasks:
  - { id: read, type: core.Return, format: "{{ trigger.namespace }}/{{ trigger.flowId }}@{{ trigger.flowRevision }} {{ trigger.taskId }} {{ trigger.executionId }} {{ labels.owner }} {{ labels.team }}" }
outputs:
  - { id: seen, type: STRING, value: "{{ outputs.read.value }}" }
`);
    const r = await h.run(`
id: trigger-parent
namespace: test.engine
labels: { owner: parent, team: data }
tasks:
  - { id: call, type: core.Subflow, namespace: test.engine, flowId: trigger-child, inheritLabels: true }
`);
    const call = (await r.outputs("call")) as { executionId: string; outputs: { seen: string } };
    expect(call.outputs.seen).toBe(`test.engine/trigger-parent@1 call ${r.execution.id} child data`);
    const child = (await h.repository.getExecution(call.executionId))!.execution;
    expect(child.trigger).toMatchObject({ id: "call", type: "core.Subflow" });
  });
});

/*
 * Issue 17: Kestra renders a flowable's own properties (If's condition, Switch's value, LoopUntil's
 * condition, a task's runIf) with the functions a task's have, kv() among them (KvFunction reads the
 * flow's namespace from the `flow` variable, wherever it renders); Ferry's executor lacked kv().
 */
describe("the executor's renders read the KV store of the flow's namespace", () => {
  it("kv() in an If's condition, a Switch's value, a LoopUntil's condition and a runIf", async () => {
    await h.kv.set("test.engine", "gate", { open: true, route: "b", stop: "2" }, {});
    const r = await h.run(`
id: kv-in-flowables
namespace: test.engine
tasks:
  - id: if
    type: core.If
    condition: "{{ kv('gate').open }}"
    then:
      - { id: opened, type: core.Return, format: "open" }
  - id: switch
    type: core.Switch
    value: "{{ kv('gate').route }}"
    cases:
      b:
        - { id: routed, type: core.Return, format: "b" }
  - id: loop
    type: core.LoopUntil
    condition: "{{ outputs.tick.value == kv('gate').stop }}"
    checkFrequency: { interval: PT0.05S }
    tasks:
      - { id: tick, type: core.Return, format: "{{ outputs.loop.iterationCount }}" }
  - { id: guarded, type: core.Return, format: "ran", runIf: "{{ kv('gate', errorOnMissing=false) != null }}" }
`);
    expect(r.logs.filter((l) => l.level === "ERROR").map((l) => l.message)).toEqual([]);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("opened")).toEqual({ value: "open" });
    expect(await r.outputs("routed")).toEqual({ value: "b" });
    expect(await r.outputs("loop")).toEqual({ iterationCount: 2 });
    expect(await r.outputs("guarded")).toEqual({ value: "ran" });
  });
});
