import { ConflictError, isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

/* Restarting a PAUSED execution, as Kestra's State.isRestartable (`isFailed() || isPaused()`),
   ExecutionService.restart (the paused runs restarted; mapTaskRun: a flowable — a Pause — RUNNING),
   ExecutorService.handleRestart (RESTARTED → RUNNING) and Pause.needPause / resolveState do it */

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()), 30_000);
afterAll(async () => h?.close());

const paused = (e: ExecutionRecord) => e.state.current === "PAUSED";
const ended = (e: ExecutionRecord) => isTerminal(e.state.current);
const states = (histories: Array<{ state: string }>) => histories.map((s) => s.state);

const PAUSE = (behavior = "RESUME", extra = "") => `
id: restart-paused-${behavior.toLowerCase()}${extra ? "-x" : ""}
namespace: test.restart.paused
tasks:
  - { id: before, type: core.Log, message: before }
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    behavior: ${behavior}
    onResume:
      - { id: reason, type: STRING, defaults: given }
${extra}
  - { id: after, type: core.Log, message: "after {{ outputs.wait.onResume.reason ?? 'no onResume' }}" }
`;

async function startPaused(source: string) {
  const flow = await h.deploy(source);
  const execution = await h.executions.create({ flow });
  const found = await h.waitFor(execution.id, paused);
  return { id: execution.id, found };
}

const restart = async (id: string) => (await h.executor.handle({ type: "restart", executionId: id }))!.restarted!;

describe("restart of a PAUSED execution (ExecutionService.restart, State.isResumingAfterPause)", () => {
  it("answers RESTARTED with the Pause RUNNING again; then the Pause ends SUCCESS without onResume outputs and what follows runs", async () => {
    const { id, found } = await startPaused(PAUSE());
    const wait = found.taskRuns.find((r) => r.taskId === "wait")!;
    const answered = await restart(id);
    expect(answered.execution.id).toBe(id);
    expect(answered.execution.state.current).toBe("RESTARTED");
    // State.isResumingAfterPause: RESTARTED right after PAUSED
    expect(states(answered.execution.state.histories)).toEqual(["CREATED", "RUNNING", "PAUSED", "RESTARTED"]);
    expect(answered.execution.labels["system.restarted"]).toBe("true");
    const again = answered.taskRuns.find((r) => r.taskId === "wait")!;
    expect(again.id).toBe(wait.id);
    // mapTaskRun: a flowable task run goes RUNNING, its PAUSED kept in its history (Pause.needPause is then false)
    expect(again.state.current).toBe("RUNNING");
    expect(states(again.state.histories)).toEqual([...states(wait.state.histories), "RUNNING"]);
    expect(answered.taskRuns.find((r) => r.taskId === "before")!.state.current).toBe("SUCCESS");

    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(states(r.execution.state.histories)).toEqual(["CREATED", "RUNNING", "PAUSED", "RESTARTED", "RUNNING", "SUCCESS"]);
    expect(r.state("wait")).toBe("SUCCESS");
    expect(states(r.runs("wait")[0].state.histories).slice(-4)).toEqual(["RUNNING", "PAUSED", "RUNNING", "SUCCESS"]);
    // no markAs: the Pause has no onResume outputs (Kestra's restart does not generate them)
    expect(await r.outputs("wait")).toBeUndefined();
    expect(r.messages()).toContain("after no onResume");
    expect(r.runs("before")[0].attempts).toHaveLength(1);
    expect(r.messages()).toContain("Flow restarted");
  });

  it("behavior WARN: the Pause ends WARNING (Pause.resolveState), the execution WARNING", async () => {
    const { id } = await startPaused(PAUSE("WARN"));
    await restart(id);
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.state("wait")).toBe("WARNING");
    expect(r.state("after")).toBe("SUCCESS");
    expect(r.execution.state.current).toBe("WARNING");
  });

  it("behavior WARN in a restart with a revision: the copy's Pause ends WARNING, the source stays PAUSED", async () => {
    const { id, found } = await startPaused(PAUSE("WARN"));
    const flow = await h.deploy(PAUSE("WARN").replace("message: before", "message: before again"));
    expect(flow.revision).toBeGreaterThan(found.execution.flowRevision);
    const copy = await h.executions.restartCopy(await h.result(id), flow);
    await restart(copy.id);
    await h.waitFor(copy.id, ended);
    const r = await h.result(copy.id);
    expect(r.state("wait")).toBe("WARNING");
    expect(r.state("after")).toBe("SUCCESS");
    expect(r.execution.state.current).toBe("WARNING");
    expect((await h.result(id)).execution.state.current).toBe("PAUSED");
  });

  it("behavior FAIL: Pause.resolveState throws, so the executor fails the Pause (childWorkerTaskResult); nothing after it runs", async () => {
    const { id } = await startPaused(PAUSE("FAIL"));
    await restart(id);
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.state("wait")).toBe("FAILED");
    expect(r.runs("after")).toHaveLength(0);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().some((m) => m.includes("The FAIL cannot be handled at this stage"))).toBe(true);
  });

  it("a Pause with legacy tasks: they run after the restart, then the Pause ends", async () => {
    const { id } = await startPaused(PAUSE("RESUME", "    tasks:\n      - { id: inner, type: core.Log, message: inner }"));
    await restart(id);
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.state("inner")).toBe("SUCCESS");
    expect(r.state("wait")).toBe("SUCCESS");
    expect(r.execution.state.current).toBe("SUCCESS");
  });

  it("a PAUSED execution restarted once is no longer PAUSED: a second restart while it ran or after SUCCESS is refused (409), nothing changed", async () => {
    const { id } = await startPaused(PAUSE("RESUME").replace("restart-paused-resume", "restart-paused-twice"));
    await restart(id);
    await h.waitFor(id, ended);
    const before = (await h.repository.getExecution(id))!;
    await expect(h.executor.handle({ type: "restart", executionId: id })).rejects.toThrow(ConflictError);
    await expect(h.executor.handle({ type: "restart", executionId: id })).rejects.toThrow(/is SUCCESS; only FAILED, KILLED or PAUSED executions restart/);
    expect((await h.repository.getExecution(id))!.execution.state).toEqual(before.execution.state);
  });

  it("under a concurrency limit the restarted execution keeps its slot (JdbcExecutor checks CREATED || failedThenRestarted only): not QUEUED; the one waiting behind it starts once it ended", async () => {
    const source = PAUSE().replace("restart-paused-resume", "restart-paused-slot").replace("tasks:", "concurrency: { limit: 1, behavior: QUEUE }\ntasks:");
    const { id } = await startPaused(source);
    const flow = await h.flows.get("test.restart.paused", "restart-paused-slot");
    const behind = await h.executions.create({ flow });
    await h.waitFor(behind.id, (e) => e.state.current === "QUEUED");
    const answered = await restart(id);
    expect(answered.execution.state.current).toBe("RESTARTED");
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(states(r.execution.state.histories)).not.toContain("QUEUED");
    await h.waitFor(behind.id, paused);
    await h.executor.handle({ type: "kill", executionId: behind.id });
  });
});
