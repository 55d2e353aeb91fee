import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("ExecutionService.create", () => {
  it("drops a value given for no enabled input and warns in the execution's logs, as Kestra's readExecutionInputs does", async () => {
    const flow = await h.deploy(`
id: undeclared
namespace: test.inputs
inputs:
  - { id: known, type: STRING }
  - { id: gated, type: STRING, required: false, dependsOn: { inputs: [known], condition: "{{ inputs.known == 'open' }}" } }
tasks:
  - { id: t, type: core.Log, message: "{{ inputs.known }}" }
`);
    const execution = await h.executions.create({ flow, inputs: { known: "shut", gated: "x", other: "y" } });
    const logs = (await h.repository.findLogs(execution.id)).filter((l) => l.level === "WARN").map((l) => l.message);
    expect(logs.sort()).toEqual([
      "Input gated was provided for workflow test.inputs.undeclared but isn't declared in the workflow inputs",
      "Input other was provided for workflow test.inputs.undeclared but isn't declared in the workflow inputs",
    ]);
    const quiet = await h.executions.create({ flow, inputs: { known: "open", gated: "x" } });
    expect((await h.repository.findLogs(quiet.id)).filter((l) => l.level === "WARN")).toEqual([]);
  });
});
