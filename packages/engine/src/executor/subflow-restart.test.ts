import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

/* Kestra's Subflow.restartBehavior (ExecutableUtils.subflowExecution): a restart of the parent restarts the failed child itself, or starts a new one. */
let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness();
  await h.deploy(`
id: flaky_child
namespace: test.subrestart
tasks:
  - id: check
    type: core.Fail
    condition: "{{ kv('fail', 'test.subrestart', false) == 'yes' }}"
outputs:
  - id: done
    type: STRING
    value: "{{ execution.id }}"
`);
}, 30_000);
afterAll(async () => h?.close());

async function failThenRestart(extra: string) {
  await h.kv.set("test.subrestart", "fail", "yes");
  const flow = await h.deploy(`
id: caller${extra ? "_new" : ""}
namespace: test.subrestart
tasks:
  - id: before
    type: core.Return
    format: once
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.subrestart
    flowId: flaky_child
${extra}`);
  const execution = await h.executions.create({ flow });
  await h.waitFor(execution.id, (e) => e.state.current === "FAILED");
  const failedChild = (await h.result(execution.id)).runs("call")[0].subflowExecutionId!;
  await h.kv.set("test.subrestart", "fail", "no");
  await h.executor.handle({ type: "restart", executionId: execution.id });
  await h.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
  return { r: await h.result(execution.id), failedChild };
}

describe("core.Subflow restartBehavior", () => {
  it("RETRY_FAILED (the default): the failed child execution itself is restarted and the task run waits for it", async () => {
    const { r, failedChild } = await failThenRestart("");
    const call = r.runs("call")[0];
    expect(call.attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(await r.outputs("call")).toEqual({ executionId: failedChild, state: "SUCCESS", outputs: { done: failedChild } });
    const child = await h.repository.getExecution(failedChild);
    expect(child!.execution.state.current).toBe("SUCCESS");
    expect(child!.execution.labels["system.restarted"]).toBe("true");
    expect(child!.taskRuns.find((t) => t.taskId === "check")!.attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
  });

  it("NEW_EXECUTION: a new child execution runs, the failed one stays as it ended", async () => {
    const { r, failedChild } = await failThenRestart("    restartBehavior: NEW_EXECUTION\n");
    const { executionId } = (await r.outputs("call")) as { executionId: string };
    expect(executionId).not.toBe(failedChild);
    expect((await h.repository.getExecution(failedChild))!.execution.state.current).toBe("FAILED");
  });

  it("refuses a restartBehavior Kestra does not have", async () => {
    await expect(h.deploy(`id: bad\nnamespace: test.subrestart\ntasks:\n  - { id: call, type: core.Subflow, namespace: test.subrestart, flowId: flaky_child, restartBehavior: SOMETIMES }\n`)).rejects.toThrow(/restartBehavior/);
  });
});
