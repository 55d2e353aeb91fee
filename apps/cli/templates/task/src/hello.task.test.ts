import { runTask } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import { helloTask } from "./hello.task.js";

describe("acme.Hello", () => {
  it("greets the rendered name and logs it", async () => {
    const result = await runTask(helloTask, { name: "{{ inputs.who }}" }, { inputs: { who: "Ferry" } });
    expect(result.outputs).toEqual({ greeting: "Hello Ferry" });
    expect(result.logs).toEqual([{ level: "INFO", message: "Hello Ferry" }]);
  });

  it("refuses a property of the wrong type", async () => {
    await expect(runTask(helloTask, { name: "x", shout: "loudly" })).rejects.toThrow();
  });
});
