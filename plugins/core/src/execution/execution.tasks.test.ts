import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { assertTask } from "./assert.task.js";
import { countTask } from "./count.task.js";

describe("core.execution.Assert", () => {
  it("passes when every condition renders truthy, reporting the counters", async () => {
    const r = await runTask(assertTask, { conditions: ["{{ inputs.param == 'ok' }}", "{{ 1 + 1 }}"] }, { inputs: { param: "ok" } });
    expect(r.metrics.map((m) => [m.name, m.value])).toEqual([["success", 2], ["failed", 0]]);
  });
  it("fails naming how many failed, logging each, with errorMessage appended; a condition that cannot render fails too", async () => {
    const failing = runTask(assertTask, { conditions: ["{{ 1 + 1 == 3 }}", "{{ nope.x }}", "true"], errorMessage: "check {{ inputs.param }}" }, { inputs: { param: "p" } });
    await expect(failing).rejects.toThrow("2 assertions failed!\ncheck p");
  });
});

describe("core.execution.Count", () => {
  const executions = {
    count: async () => [
      { namespace: "a", flowId: "f", count: 0 },
      { namespace: "a", flowId: "g", count: 7 },
    ],
    logs: async () => [],
  };
  it("keeps the rows whose expression renders true with `count` set, and sums them", async () => {
    const r = await runTask(countTask, { flows: [{ namespace: "a", flowId: "f" }, { namespace: "a", flowId: "g" }], startDate: "2026-01-01T00:00:00Z", expression: "{{ count >= 5 }}" }, { executions });
    expect(r.outputs).toEqual({ results: [{ namespace: "a", flowId: "g", count: 7 }], total: 7 });
  });
  it("needs flows or namespaces", async () => {
    await expect(runTask(countTask, { startDate: "2026-01-01T00:00:00Z", expression: "{{ true }}" }, { executions })).rejects.toThrow(/You must provide a list of flows or namespaces/);
  });
});
