import { describe, expect, it } from "vitest";
import { runTask } from "../../../../packages/testkit/src/index.js";
import { sequentialTask } from "../flow/sequential.task.js";
import { returnTask } from "../output/return.task.js";
import { templatedTask } from "./templated.task.js";

describe("core.templating.TemplatedTask", () => {
  const tasks = [returnTask, sequentialTask, templatedTask];
  it("renders the spec and runs its task, whose outputs are its own", async () => {
    const r = await runTask(templatedTask, { spec: "type: io.kestra.plugin.core.debug.Return\nformat: \"{{ inputs.x }}\"\n" }, { inputs: { x: "hi" }, tasks });
    expect(r.outputs).toEqual({ value: "hi" });
  });
  it("refuses a flowable spec, a TemplatedTask spec and a spec that is not a map", async () => {
    await expect(runTask(templatedTask, { spec: "type: io.kestra.plugin.core.flow.Sequential\ntasks: []\n" }, { tasks })).rejects.toThrow(/must be a runnable task/);
    await expect(runTask(templatedTask, { spec: "type: io.kestra.plugin.core.templating.TemplatedTask\nspec: x\n" }, { tasks })).rejects.toThrow(/cannot be of type/);
    await expect(runTask(templatedTask, { spec: "- a\n- b\n" }, { tasks })).rejects.toThrow(/spec must be a YAML map/);
  });
  it("a key written twice keeps its last value, as Kestra's mapper reads it (the yaml library's quadratic check is off: specs may carry outside data)", async () => {
    const r = await runTask(templatedTask, { spec: "type: io.kestra.plugin.core.debug.Return\nformat: first\nformat: last\n" }, { tasks });
    expect(r.outputs).toEqual({ value: "last" });
  });
});
