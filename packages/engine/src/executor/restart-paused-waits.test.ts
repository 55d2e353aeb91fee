import { isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

/* Restarting an execution PAUSED on an Approval or on a LoopUntil waiting its interval, as Kestra's
   ExecutionService.restart does it (every PAUSED run restarted; mapTaskRun: a flowable RUNNING, its
   PAUSED kept), then Approval.isWaiting / childTasks / resolveState and ExecutorService's LoopUntil step */

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()), 30_000);
afterAll(async () => h?.close());

const paused = (e: ExecutionRecord) => e.state.current === "PAUSED";
const ended = (e: ExecutionRecord) => isTerminal(e.state.current);
const states = (histories: Array<{ state: string }>) => histories.map((s) => s.state);
const restart = async (id: string) => (await h.executor.handle({ type: "restart", executionId: id }))!.restarted!;

async function startPaused(source: string) {
  const flow = await h.deploy(source);
  const execution = await h.executions.create({ flow });
  return { id: execution.id, found: await h.waitFor(execution.id, paused) };
}

const APPROVAL = (id: string, extra = "") => `
id: ${id}
namespace: test.restart.waits
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
${extra}    onWait: [{ id: notify, type: core.Log, message: notify }]
    onApprove: [{ id: approved, type: core.Log, message: approved }]
    onDeny: [{ id: denied, type: core.Log, message: denied }]
  - { id: after, type: core.Log, message: "after {{ outputs.approval.decision ?? 'no decision' }}" }
`;

describe("restart of an execution PAUSED on an Approval (Approval.isWaiting false once PAUSED: no decision, no branch)", () => {
  it("answers RESTARTED, the Approval RUNNING with its PAUSED kept; it ends SUCCESS without a decision, neither branch runs, onWait not again, what follows runs", async () => {
    const { id, found } = await startPaused(APPROVAL("restart-approval"));
    const approval = found.taskRuns.find((r) => r.taskId === "approval")!;
    const answered = await restart(id);
    expect(answered.execution.state.current).toBe("RESTARTED");
    expect(states(answered.execution.state.histories)).toEqual(["CREATED", "RUNNING", "PAUSING", "PAUSED", "RESTARTED"]);
    const again = answered.taskRuns.find((r) => r.taskId === "approval")!;
    expect(again.id).toBe(approval.id);
    expect(again.state.current).toBe("RUNNING");
    expect(states(again.state.histories)).toEqual([...states(approval.state.histories), "RUNNING"]);

    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("approval")).toBe("SUCCESS");
    expect(states(r.runs("approval")[0].state.histories).slice(-3)).toEqual(["PAUSED", "RUNNING", "SUCCESS"]);
    expect(r.runs("notify")).toHaveLength(1);
    expect(r.runs("approved")).toHaveLength(0);
    expect(r.runs("denied")).toHaveLength(0);
    expect(((await r.outputs("approval")) as Record<string, unknown>).decision).toBeUndefined();
    expect(r.messages()).toContain("after no decision");
    expect(r.execution.labels["system.restarted"]).toBe("true");
  });

  it("its finally runs (resolveNexts schedules it); a denyBehavior or expireBehavior is not applied (no decision to map)", async () => {
    const { id } = await startPaused(APPROVAL("restart-approval-finally", "    denyBehavior: FAIL\n    expireBehavior: FAIL\n    timeout: PT1H\n    finally: [{ id: cleanup, type: core.Log, message: cleanup }]\n"));
    await restart(id);
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.state("cleanup")).toBe("SUCCESS");
    expect(r.state("approval")).toBe("SUCCESS");
    expect(r.execution.state.current).toBe("SUCCESS");
    // the request's due date stays in its outputs; no expiry comes (the run is no longer PAUSED)
    expect(((await r.outputs("approval")) as Record<string, unknown>).due).toBeDefined();
  });

  it("a review after the restart is refused (409: not paused), nothing changed", async () => {
    const { id, found } = await startPaused(APPROVAL("restart-approval-review"));
    const runId = found.taskRuns.find((r) => r.taskId === "approval")!.id;
    await restart(id);
    await h.waitFor(id, ended);
    await expect(h.executor.handle({ type: "review", executionId: id, taskRunId: runId, decision: "APPROVED" })).rejects.toThrow(/is not paused/);
    expect((await h.result(id)).runs("approved")).toHaveLength(0);
  });

  it("an onWait that failed (the Approval's allowFailure let it wait): the restart runs the failed task again, as every failed run (isFailed() || isPaused()); the Approval ends without a decision", async () => {
    const { id } = await startPaused(`
id: restart-approval-onwait-failed
namespace: test.restart.waits
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
    allowFailure: true
    onWait: [{ id: waitFail, type: core.Fail }]
    finally: [{ id: cleanup, type: core.Log, message: cleanup }]
  - { id: after, type: core.Log, message: after }
`);
    const answered = await restart(id);
    expect(answered.taskRuns.map((r) => `${r.taskId}:${r.state.current}`)).toEqual(["approval:RUNNING", "waitFail:RESTARTED"]);
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.runs("waitFail")[0].attempts).toHaveLength(2);
    expect(r.state("waitFail")).toBe("FAILED");
    expect([r.state("approval"), r.state("cleanup"), r.state("after")]).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
    expect(r.execution.state.current).toBe("SUCCESS");
  });

  it("two sibling Approvals both PAUSED (approval-parallel): both restarted, both end without a decision", async () => {
    const { id } = await startPaused(`
id: restart-approval-parallel
namespace: test.restart.waits
tasks:
  - id: both
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - { id: approvalA, type: io.kestra.plugin.core.flow.Approval, onApprove: [{ id: approvedA, type: core.Log, message: a }] }
      - { id: approvalB, type: io.kestra.plugin.core.flow.Approval, onApprove: [{ id: approvedB, type: core.Log, message: b }] }
`);
    await restart(id);
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect([r.state("approvalA"), r.state("approvalB")]).toEqual(["SUCCESS", "SUCCESS"]);
    expect(r.runs("approvedA").length + r.runs("approvedB").length).toBe(0);
  });
});

const LOOP = (id: string, condition: string, frequency: string, extra = "") => `
id: ${id}
namespace: test.restart.waits
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.LoopUntil
    condition: "${condition}"
${extra}    checkFrequency: ${frequency}
    tasks:
      - { id: count, type: core.OutputValues, values: { n: "{{ outputs.loop.iterationCount }}" } }
  - { id: after, type: core.Log, message: "after {{ outputs.loop.iterationCount }}" }
`;

describe("restart of an execution PAUSED on a LoopUntil waiting its interval (ExecutorService's LoopUntil step, nextExecutionDate)", () => {
  it("the condition still false: RUNNING, then PAUSED again for a whole interval, the iteration counted (Kestra counts it at the pause); the old wait settled", async () => {
    const { id, found } = await startPaused(LOOP("restart-loop-again", "false", "{ interval: PT1H }"));
    const loopRun = found.taskRuns.find((r) => r.taskId === "loop")!;
    const answered = await restart(id);
    expect(answered.execution.state.current).toBe("RESTARTED");
    expect(answered.taskRuns.find((r) => r.taskId === "loop")!.state.current).toBe("RUNNING");
    const again = await h.waitFor(id, (e) => paused(e) && e.state.histories.length > 5);
    expect(states(again.execution.state.histories)).toEqual(["CREATED", "RUNNING", "PAUSED", "RESTARTED", "RUNNING", "PAUSED"]);
    const run = again.taskRuns.find((r) => r.taskId === "loop")!;
    expect(run.id).toBe(loopRun.id);
    expect(states(run.state.histories).slice(-3)).toEqual(["PAUSED", "RUNNING", "PAUSED"]);
    expect(await h.store.read(run.outputsUri!)).toEqual({ iterationCount: 2 });
    // the iteration's children did not run again
    expect(again.taskRuns.filter((r) => r.taskId === "count")).toHaveLength(1);
    await h.executor.handle({ type: "kill", executionId: id });
  });

  it("maxIterations reached by the restart's count ends it (Max iterations reached): SUCCESS, or FAILED with failOnMaxReached", async () => {
    const kept = await startPaused(LOOP("restart-loop-max", "false", "{ interval: PT1H, maxIterations: 2 }"));
    await restart(kept.id);
    await h.waitFor(kept.id, ended);
    const r = await h.result(kept.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages()).toContain("Max iterations reached");
    expect(r.runs("count")).toHaveLength(1);
    expect(r.messages()).toContain("after 2");
    const failed = await startPaused(LOOP("restart-loop-max-fail", "false", "{ interval: PT1H, maxIterations: 2 }", "    failOnMaxReached: true\n"));
    await restart(failed.id);
    await h.waitFor(failed.id, ended);
    const f = await h.result(failed.id);
    expect(f.execution.state.current).toBe("FAILED");
    expect(f.state("loop")).toBe("FAILED");
    expect(f.runs("after")).toHaveLength(0);
  });

  it("the condition true now (checked again at the restart): the loop ends SUCCESS and the flow goes on", async () => {
    await h.kv.set("test.restart.waits", "loop_done", "no");
    const { id } = await startPaused(LOOP("restart-loop-done", "{{ kv('loop_done', 'test.restart.waits', false) == 'yes' }}", "{ interval: PT1H }"));
    await h.kv.set("test.restart.waits", "loop_done", "yes");
    await restart(id);
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("loop")).toBe("SUCCESS");
    expect(r.messages()).toContain("after 2");
  });
});

describe("a PAUSING execution (an Approval's onWait running) is not paused: Kestra's State.isPaused is PAUSED only", () => {
  it("a restart is refused (409 naming PAUSING), nothing changed; a kill ends it KILLED with its onWait", async () => {
    const flow = await h.deploy(`
id: restart-pausing
namespace: test.restart.waits
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
    onWait: [{ id: slow, type: io.kestra.plugin.core.flow.Sleep, duration: PT1H }]
`);
    const { id } = await h.executions.create({ flow });
    const pausing = await h.waitFor(id, (e) => e.state.current === "PAUSING");
    await expect(h.executor.handle({ type: "restart", executionId: id })).rejects.toThrow(/is PAUSING; only FAILED, KILLED or PAUSED executions restart/);
    expect((await h.repository.getExecution(id))!.execution.state).toEqual(pausing.execution.state);
    await h.executor.handle({ type: "kill", executionId: id });
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("KILLED");
    expect([r.state("approval"), r.state("slow")]).toEqual(["KILLED", "KILLED"]);
  });
});
