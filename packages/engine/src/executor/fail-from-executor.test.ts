import { afterEach, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { EXECUTOR_CHANNEL, type ExecutorEvent } from "../messages.js";

/** a result no worker sends (an attempt does not end RUNNING): the executor rejects it, as it would a bug's */
function badResult(executionId: string, taskRunId: string): ExecutorEvent {
  const date = new Date().toISOString();
  return { type: "result", executionId, taskRunId, attempt: 0, state: "RUNNING" as "SUCCESS", startDate: date, workerId: "test", date };
}

describe("an event whose handling throws fails its execution (Kestra's handleFailedExecutionFromExecutor)", () => {
  let h: EngineHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it("ends the execution FAILED once, the error logged, the running attempts stopped on their worker", async () => {
    h = await createEngineHarness();
    const flow = await h.deploy(
      "id: bad-result\nnamespace: test.fail\ntasks:\n  - id: both\n    type: io.kestra.plugin.core.flow.Parallel\n    tasks:\n" +
        "      - { id: a, type: test.WorkerWait, ms: 60000 }\n      - { id: b, type: test.WorkerWait, ms: 60000 }\n",
    );
    const { id } = await h.executions.create({ flow, inputs: {} });
    const running = async () => (await h!.repository.getExecution(id))!.taskRuns.filter((r) => r.taskId !== "both" && r.state.current === "RUNNING");
    for (let i = 0; i < 500 && (await running()).length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    const a = (await running()).find((r) => r.taskId === "a")!;
    // twice: the second finds the execution ended, and changes nothing
    await h.queue.send(EXECUTOR_CHANNEL, badResult(id, a.id), { key: id });
    await h.queue.send(EXECUTOR_CHANNEL, badResult(id, a.id), { key: id });
    await h.waitFor(id, (e) => e.state.current === "FAILED", 10_000);
    await new Promise((r) => setTimeout(r, 200));
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("FAILED");
    // every task run and attempt ended: the last open one FAILED with the error (as Kestra's), the others KILLED
    expect(r.taskRuns.every((run) => ["FAILED", "KILLED"].includes(run.state.current))).toBe(true);
    expect(r.runs("a").concat(r.runs("b")).flatMap((run) => run.attempts.map((at) => at.state.current)).sort()).toEqual(["FAILED", "KILLED"]);
    // the Parallel's own attempt (a flowable's, Kestra >= 1.2) ends with it
    expect(r.runs("both")[0].attempts.map((at) => at.state.current)).toEqual(["KILLED"]);
    const errors = r.logs.filter((l) => l.level === "ERROR").map((l) => l.message);
    expect(errors).toEqual([expect.stringMatching(/^the executor failed the execution: handling its result event threw: the result of attempt 1 of task run .+ \(a\) carries state RUNNING, not one an attempt ends in/)]);
    // the worker was told to stop both 60 s attempts: it stops at once
    const started = Date.now();
    await h.close();
    h = undefined;
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("leaves an ended execution as it is", async () => {
    h = await createEngineHarness();
    const r = await h.run("id: ended\nnamespace: test.fail\ntasks:\n  - { id: t, type: io.kestra.plugin.core.log.Log, message: hi }\n");
    expect(r.execution.state.current).toBe("SUCCESS");
    await h.queue.send(EXECUTOR_CHANNEL, badResult(r.execution.id, r.taskRuns[0].id), { key: r.execution.id });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await h.result(r.execution.id);
    expect(after.execution.state.current).toBe("SUCCESS");
    expect(after.logs.filter((l) => l.level === "ERROR")).toEqual([]);
  });
});
