import { definePlugin, defineTask, z } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { EXECUTOR_CHANNEL, type ExecutorEvent } from "../messages.js";

// attempt 1 waits until released; later attempts answer at once
let releaseFirst: () => void = () => undefined;
const held = defineTask({
  kind: "runnable",
  type: "test.Held",
  title: "holds its first attempt",
  properties: z.object({}),
  async run(ctx) {
    if (ctx.taskRun.attempt === 0) await new Promise<void>((r) => (releaseFirst = r));
    return { attempt: ctx.taskRun.attempt + 1 };
  },
});

describe("attempts are fenced", () => {
  let h: EngineHarness;
  beforeAll(async () => void (h = await createEngineHarness([definePlugin({ name: "test", version: "1", tasks: [held] })])));
  afterAll(async () => h?.close());

  it("refuses and logs the late result of an attempt that was given up; the current attempt's stands", async () => {
    const flow = await h.deploy("id: fenced\nnamespace: test.fencing\ntasks:\n  - { id: task, type: test.Held }\n");
    const { id } = await h.executions.create({ flow, inputs: {} });
    const found = await h.waitFor(id, () => true);
    let run = found.taskRuns[0];
    for (let i = 0; i < 200 && run?.state.current !== "RUNNING"; i++) {
      await new Promise((r) => setTimeout(r, 10));
      run = (await h.repository.getExecution(id))!.taskRuns[0];
    }
    // the queue says the worker holding attempt 1 died: attempt 2 starts and succeeds
    await h.queue.send<ExecutorEvent>(EXECUTOR_CHANNEL, { type: "lost", executionId: id, taskRunId: run.id, attempt: 0, workerId: "gone" }, { key: id });
    await h.waitFor(id, (e) => e.state.current === "SUCCESS");
    // then attempt 1's worker, which was alive after all, reports
    releaseFirst();
    for (let i = 0; i < 200 && !(await h.repository.findLogs(id)).some((l) => l.message.startsWith("refused")); i++) await new Promise((r) => setTimeout(r, 10));
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("task")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(await r.outputs("task")).toEqual({ attempt: 2 });
    expect(r.messages()).toContainEqual(expect.stringMatching(/^refused the result SUCCESS of attempt 1 from worker .+: attempt 2 is the current one$/));
  });
});
