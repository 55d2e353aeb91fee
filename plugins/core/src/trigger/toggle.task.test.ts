import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { toggleTask } from "./toggle.task.js";

describe("core.trigger.Toggle", () => {
  it("disables by default, and enables with enabled: true, this flow's trigger unless another flow is named", async () => {
    expect((await runTask(toggleTask, { trigger: "schedule" })).toggles).toEqual([{ namespace: "test", flowId: "test", triggerId: "schedule", enabled: false }]);
    expect((await runTask(toggleTask, { trigger: "hook", flowId: "other", enabled: "{{ inputs.on }}" }, { inputs: { on: true } })).toggles).toEqual([
      { namespace: "test", flowId: "other", triggerId: "hook", enabled: true },
    ]);
  });
});
