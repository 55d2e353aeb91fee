import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h?.close());

/*
 * Kestra reads a flow's YAML with Jackson (JacksonMapper.ofYaml): a whole number written as a
 * float (`1.0`) is a Double, kept as one by an Object-typed property (Flow.variables,
 * OutputValues.values: Map<String, Object>) and printed `1.0`; a String-typed property
 * (Return.format, Log.message) takes the scalar's text; an Integer-typed one takes 1. The memory
 * queue copies a job as structuredClone does, so these runs cross it as a worker's job does.
 */
describe("whole floats a flow writes (`1.0`) are Doubles, as Kestra's Jackson reads them", () => {
  it("in variables, OutputValues values, text properties; a number-typed property takes the number", async () => {
    const r = await h.run(`
id: written-doubles
namespace: test.engine
variables:
  ratio: 1.0
  count: 2
  nested: { list: [3.0, 4] }
tasks:
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      whole: 1.0
      half: 2.5
      int: 3
      list: [5.0, 6]
  - id: text
    type: io.kestra.plugin.core.debug.Return
    format: 1.0
  - id: vars
    type: io.kestra.plugin.core.debug.Return
    format: "{{ vars.ratio }} {{ vars.count }} {{ vars.nested.list[0] }} {{ vars.ratio * 2 }} {{ vars | toJson }}"
  - id: read
    type: io.kestra.plugin.core.debug.Return
    format: "{{ outputs.values.values.whole }} {{ outputs.values.values.list | toJson }}"
  - id: shared
    type: io.kestra.plugin.core.flow.WorkingDirectory
    tasks:
      - id: inside
        type: io.kestra.plugin.core.output.OutputValues
        values: { whole: 7.0 }
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1.0
    values: [a]
    tasks:
      - { id: item, type: io.kestra.plugin.core.debug.Return, format: "{{ item.value }}" }
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1.0, 2]
    tasks:
      - { id: per, type: io.kestra.plugin.core.debug.Return, format: "{{ taskrun.value }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("text")).toEqual({ value: "1.0" });
    expect(await r.outputs("vars")).toEqual({ value: '1.0 2 3.0 2.0 {"ratio":1.0,"count":2,"nested":{"list":[3.0,4]}}' });
    expect(await r.outputs("read")).toEqual({ value: "1.0 [5.0,6]" });
    // the stored outputs keep the Double: Jackson's JSON, `1.0`
    const stored = (await h.store.read<{ values: Record<string, unknown> }>(r.runs("values")[0].outputsUri!)).values;
    expect(String(stored.whole)).toBe("1.0");
    expect(stored.half).toBe(2.5);
    expect(stored.int).toBe(3);
    expect(String(((await r.outputs("inside")) as { values: { whole: unknown } }).values.whole)).toBe("7.0");
    // Loop.concurrencyLimit is an Integer: 1.0 reads as 1
    expect(await r.outputs("loop")).toMatchObject({ iterationCount: 1, terminatedIterations: { SUCCESS: 1 } });
    // ForEach's values as Jackson writes them (FlowableUtils.resolveEachTasks): the Double keeps its `.0`
    expect(r.runs("per").map((run) => run.value).sort()).toEqual(["1.0", "2"]);
  });
});
