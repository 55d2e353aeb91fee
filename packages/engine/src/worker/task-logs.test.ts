import { storageKeyOf } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("a task's logLevel and logToFile", () => {
  it("logLevel drops the task's lines below it, where it logs them", async () => {
    const r = await h.run(`
id: log-level
namespace: test.logs
tasks:
  - { id: quiet, type: core.Log, level: INFO, message: "info line", logLevel: WARN }
  - { id: loud, type: core.Log, level: ERROR, message: "error line", logLevel: WARN }
  - { id: plain, type: core.Log, level: DEBUG, message: "debug line" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages()).toEqual(expect.arrayContaining(["error line", "debug line"]));
    expect(r.messages()).not.toContain("info line");
  });

  it("logToFile stores the attempt's lines as a file of the task run, its URI on the attempt, and sends none to the logs", async () => {
    const r = await h.run(`
id: log-to-file
namespace: test.logs
tasks:
  - id: filed
    type: core.Log
    logToFile: true
    message: ["first line", "second line"]
  - { id: plain, type: core.Log, message: "in the logs" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages()).toContain("in the logs");
    expect(r.messages().join("\n")).not.toMatch(/first line|second line/);
    const attempt = r.runs("filed")[0].attempts[0];
    expect(attempt.logFile).toMatch(/^ferry:\/\/.*\/files\/filed\/.*\/log-attempt-1\.txt$/);
    const text = new TextDecoder().decode(await h.storage.get(storageKeyOf(attempt.logFile!)));
    expect(text).toMatch(/^\S+Z INFO  first line\n\S+Z INFO  second line\n$/);
  });

  it("refuses workerGroup at deploy, as Kestra OSS does", async () => {
    await expect(h.deploy("id: wg\nnamespace: test.logs\ntasks:\n  - { id: t, type: core.Log, message: hi, workerGroup: { key: gpu } }\n")).rejects.toThrow(
      /Worker Group is an Enterprise Edition functionality.*\(tasks\[0\]\.workerGroup, line 4\)/,
    );
  });
});
