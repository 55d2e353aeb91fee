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

  it("parent and parents name every enclosing task, nearest first, with the value of a loop's own children", async () => {
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
                          format: "{{ parent.task.id }} {{ parents | length }} {{ parents[2].task.id }}={{ parents[2].taskrun.value }} {{ parents[3].task.id }}={{ parents[3].taskrun.value }} {{ parents[0].taskrun.value ?? '-' }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const leaf = r.runs("leaf")[0];
    const value = ((await r.outputs("leaf")) ?? (await h.store.read(leaf.outputsUri!))) as { value: string };
    expect(value.value).toBe("fan 5 branch=x inner=a -");
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

  it("system labels given by the flow or the caller are dropped before Ferry sets its own", async () => {
    const flow = await h.deploy(`
id: system-labels
namespace: test.engine
labels:
  team: data
tasks:
  - { id: log, type: core.Log, message: hi }
`);
    const execution = await h.executions.create({ flow, labels: { "system.correlationId": "forged", env: "prod" } });
    expect(execution.labels).toEqual({ team: "data", env: "prod", "system.correlationId": execution.id });
  });
});
