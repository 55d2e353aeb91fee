import { defineTask, z } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { runTask } from "./run-task.js";

// a task that touches each part of its run context a worker builds
const probe = defineTask({
  kind: "runnable",
  type: "test.Probe",
  title: "Probe",
  description: "Reads a file, logs, stores a file, writes KV and a metric.",
  properties: z.strictObject({ from: z.string(), says: z.string() }),
  async run(ctx, props) {
    const read = new TextDecoder().decode(await ctx.getFile(props.from));
    ctx.logger.info(`said ${props.says}`);
    ctx.metric("probes", 1, { tags: { says: props.says } });
    await ctx.kv.set("last", props.says);
    return { read, uri: await ctx.putFile("said.txt", props.says), dir: await ctx.workingDirectory() };
  },
});

describe("runTask", () => {
  it("runs a task with the run context a worker builds: templates, files, KV, metrics, secrets masked everywhere they land", async () => {
    const r = await runTask(probe, { from: "ferry://test/in.txt", says: "{{ inputs.who }} {{ secret('TOKEN') }} {{ kv('seed') }}" }, {
      inputs: { who: "Ferry" }, secrets: { TOKEN: "t0k3n" }, kv: { seed: "s" }, files: { "in.txt": "given" },
    });
    expect(r.outputs).toMatchObject({ read: "given" });
    expect(r.logs).toEqual([{ level: "INFO", message: "said Ferry ****** s" }]);
    expect(r.metrics).toEqual([{ name: "probes", value: 1, type: "counter", tags: { says: "Ferry ****** s" } }]);
    expect(new TextDecoder().decode(r.files[(r.outputs as { uri: string }).uri])).toBe("Ferry ****** s");
    expect(r.kv).toEqual({ seed: "s", last: "Ferry ****** s" });
  });

  it("refuses a given file outside the test execution, and a template naming a missing secret or KV key", async () => {
    await expect(runTask(probe, { from: "ferry://x/in.txt", says: "" }, { files: { "ferry://elsewhere/in.txt": "x" } })).rejects.toThrow(
      "options.files: ferry://elsewhere/in.txt is outside the test execution (ferry://test/…)",
    );
    await expect(runTask(probe, { from: "ferry://test/in.txt", says: "{{ secret('NOPE') }}" })).rejects.toThrow("secret NOPE not found in namespace test");
    await expect(runTask(probe, { from: "ferry://test/in.txt", says: "{{ kv('nope') }}" })).rejects.toThrow("The key 'nope' does not exist in the namespace 'test'.");
  });

  it("checks properties as a worker does, and refuses a key every task has as if it were a property", async () => {
    await expect(runTask(probe, { from: 1, says: "" })).rejects.toThrow("task 'task' (test.Probe): property from:");
    await expect(runTask(probe, { from: "ferry://test/in.txt", says: "", timeout: "PT1S" })).rejects.toThrow(
      "runTask: 'timeout' is a key every task has in a flow, not a property of test.Probe (use options.timeoutMs)",
    );
  });

  it("refuses a file of another execution as a worker does", async () => {
    await expect(runTask(probe, { from: "ferry://other/flow/x.txt", says: "" })).rejects.toThrow("ferry://other/flow/x.txt is not this execution's, nor a namespace file or task file of a namespace this flow may reach");
  });
});
