import { configureRenderLimits, DEFAULT_RENDER_LIMITS } from "@ferry/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "./server.test-support.js";

/** ferry.yaml's `render:` section reaches every render of the server (here, a worker's task and a flow output) */
let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry({ server: { port: 0 }, render: { maxCollectionSize: 10, maxOutputLength: 1000 } });
});
afterAll(async () => {
  await t?.close();
  configureRenderLimits(DEFAULT_RENDER_LIMITS);
});

describe("render limits from configuration", () => {
  it("a task and a flow output over the configured limits fail naming them; under them they run", async () => {
    await t.deploy(`id: limited\nnamespace: render.config\ntasks:\n  - { id: log, type: core.Log, message: "{{ range(0, 20) | join(',') }}" }\n`);
    const failed = (await (await t.api("/executions/render.config/limited?wait=true", { method: "POST" })).json()) as { id: string; state: { current: string } };
    expect(failed.state.current).toBe("FAILED");
    const logs = (await (await t.api(`/logs/${failed.id}`)).json()) as Array<{ message: string }>;
    expect(logs.map((l) => l.message).join("\n")).toMatch(/render\.maxCollectionSize is 10\b/);

    await t.deploy(`id: long\nnamespace: render.config\ntasks:\n  - { id: log, type: core.Log, message: "{{ range(0, 5) | join(',') }}" }\noutputs:\n  - { id: big, type: STRING, value: "{% for i in range(0, 9) %}{{ '${"x".repeat(200)}' }}{% endfor %}" }\n`);
    const output = (await (await t.api("/executions/render.config/long?wait=true", { method: "POST" })).json()) as { id: string; state: { current: string }; taskRunList: Array<{ state: { current: string } }> };
    expect(output.taskRunList[0].state.current).toBe("SUCCESS");
    expect(output.state.current).toBe("FAILED");
    const outputLogs = (await (await t.api(`/logs/${output.id}`)).json()) as Array<{ message: string }>;
    expect(outputLogs.map((l) => l.message).join("\n")).toMatch(/render\.maxOutputLength is 1000\b/);
  });

  it("a render section with an unknown or invalid key is refused at start, naming it", async () => {
    await expect(startTestFerry({ render: { maxColectionSize: 10 } })).rejects.toThrow(/maxColectionSize/);
    await expect(startTestFerry({ render: { timeoutMs: -1 } })).rejects.toThrow(/timeoutMs/);
  });
});
