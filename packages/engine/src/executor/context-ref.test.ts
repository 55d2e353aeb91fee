import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

/**
 * A job carries only the outputs its task's templates name (context-ref.ts), and of a task
 * read as `outputs.x[taskrun.value]` only the runs of the current iteration: what the
 * templates read must be the same as with every output at hand.
 */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("the outputs a job carries", () => {
  it("a sibling of the iteration, a nested loop's runs under the outer value, a task outside the loop, and a dynamic read all resolve", async () => {
    const r = await h.run(`
id: refs
namespace: test.engine.refs
inputs:
  - id: pick
    type: STRING
    defaults: before
tasks:
  - id: before
    type: core.Return
    format: B
  - id: outer
    type: core.ForEach
    values: [a, b]
    tasks:
      - id: inner
        type: core.ForEach
        values: ["1", "2"]
        tasks:
          - id: first
            type: core.Return
            format: "{{ parent.taskrun.value }}{{ taskrun.value }}"
      - id: both
        type: core.Return
        format: "{{ outputs.first[taskrun.value]['1'].value }}+{{ outputs.first[taskrun.value]['2'].value }}"
      - id: outside
        type: core.Return
        format: "{{ outputs.before[taskrun.value] ?? outputs.before.value }}"
  - id: dynamic
    type: core.Return
    format: "{{ outputs[inputs.pick].value }} {{ outputs.both['b'].value }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const byValue = async (taskId: string) => {
      const out: Record<string, unknown> = {};
      for (const run of r.runs(taskId)) out[run.value!] = ((await h.store.read(run.outputsUri!)) as { value: unknown }).value;
      return out;
    };
    expect(await byValue("both")).toEqual({ a: "a1+a2", b: "b1+b2" });
    expect(await byValue("outside")).toEqual({ a: "B", b: "B" });
    expect(await r.outputs("dynamic")).toEqual({ value: "B b1+b2" });
  });
});
