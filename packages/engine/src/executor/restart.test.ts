import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, isTerminal } from "@ferry/sdk";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { transition } from "./execution-state.js";

/* Kestra's ExecutionService.restart and ExecutorService.handleRestart, through the executor:
   ExecutionServiceTest.restartSimple and restartSimpleRevision (flow restart_last_failed) */
const RESTART_LAST_FAILED = (a = "{{ task.id }}") => `
id: restart_last_failed
namespace: test.restart
tasks:
- { id: a, type: io.kestra.plugin.core.debug.Return, format: "${a}" }
- { id: b, type: io.kestra.plugin.core.log.Log, message: "{{ task.id }}" }
- { id: c, type: io.kestra.plugin.core.log.Log, message: "{{ taskrun.attemptsCount == 1 ? 'ok' : ko }}" }
- { id: d, type: io.kestra.plugin.core.log.Log, message: "{{ task.id }}" }
`;

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()), 30_000);
afterAll(async () => h?.close());

const ended = (id: string) => h.waitFor(id, (e) => isTerminal(e.state.current));
const states = (histories: Array<{ state: string }>) => histories.map((s) => s.state);

describe("restart answers RESTARTED, then runs (ExecutionService.restart, ExecutorService.handleRestart)", () => {
  it("restartSimple: same id and task run ids, the execution and the failed run RESTARTED with one more history entry; then SUCCESS", async () => {
    const first = await h.run(RESTART_LAST_FAILED());
    expect(first.execution.state.current).toBe("FAILED");
    expect(first.taskRuns).toHaveLength(3);
    const c = first.runs("c")[0];
    const restarted = (await h.executor.handle({ type: "restart", executionId: first.execution.id }))!.restarted!;
    expect(restarted.execution.id).toBe(first.execution.id);
    expect(restarted.execution.state.current).toBe("RESTARTED");
    expect(states(restarted.execution.state.histories)).toEqual(["CREATED", "RUNNING", "FAILED", "RESTARTED"]);
    expect(restarted.execution.labels["system.restarted"]).toBe("true");
    expect(restarted.taskRuns).toHaveLength(3);
    const again = restarted.taskRuns.find((r) => r.taskId === "c")!;
    expect(again.id).toBe(c.id);
    expect(again.state.current).toBe("RESTARTED");
    expect(states(again.state.histories)).toEqual([...states(c.state.histories), "RESTARTED"]);

    const done = await h.result((await ended(first.execution.id)).execution.id);
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(states(done.execution.state.histories)).toEqual(["CREATED", "RUNNING", "FAILED", "RESTARTED", "RUNNING", "SUCCESS"]);
    expect(done.taskRuns).toHaveLength(4);
    expect(done.runs("c")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(states(done.runs("c")[0].state.histories).slice(-4)).toEqual(["RESTARTED", "QUEUED", "RUNNING", "SUCCESS"]);
    expect(done.messages()).toContain("Flow restarted");
  });

  it("restartSimpleRevision: a new execution on revision 2 (new id and task run ids, parent the source), RESTARTED with the source's history; the source unchanged", async () => {
    const first = await h.run(RESTART_LAST_FAILED());
    expect(first.execution.state.current).toBe("FAILED");
    const flow = await h.deploy(RESTART_LAST_FAILED("replace"));
    expect(flow.revision).toBeGreaterThan(first.execution.flowRevision);
    const copy = await h.executions.restartCopy(first, flow);
    const restarted = (await h.executor.handle({ type: "restart", executionId: copy.id }))!.restarted!;
    expect(restarted.execution.id).not.toBe(first.execution.id);
    expect(restarted.execution.replayOf).toBe(first.execution.id);
    expect(restarted.execution.flowRevision).toBe(flow.revision);
    expect(restarted.execution.state.current).toBe("RESTARTED");
    expect(states(restarted.execution.state.histories)).toEqual(["CREATED", "RUNNING", "FAILED", "RESTARTED"]);
    expect(restarted.execution.labels["system.restarted"]).toBe("true");
    expect(restarted.taskRuns).toHaveLength(3);
    const c = restarted.taskRuns.find((r) => r.taskId === "c")!;
    expect(c.state.current).toBe("RESTARTED");
    expect(c.id).not.toBe(first.runs("c")[0].id);

    const done = await h.result((await ended(copy.id)).execution.id);
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(done.taskRuns).toHaveLength(4);
    // a ran before the restart: its output is the source's, carried over
    expect(await done.outputs("a")).toEqual({ value: "a" });
    const source = await h.result(first.execution.id);
    expect(source.execution.state.current).toBe("FAILED");
    expect(source.execution.labels["system.restarted"]).toBeUndefined();
    expect(source.taskRuns.map((r) => r.state.current)).toEqual(first.taskRuns.map((r) => r.state.current));
  });

  it("refuses a running execution (409) and changes nothing (a PAUSED one restarts: restart-paused.test.ts)", async () => {
    const flow = await h.deploy(`
id: waiting
namespace: test.restart
tasks:
  - { id: wait, type: core.Sleep, duration: PT60S }
`);
    const running = await h.executions.create({ flow });
    await h.waitFor(running.id, (e) => e.state.current === "RUNNING");
    const before = await h.repository.getExecution(running.id);
    await expect(h.executor.handle({ type: "restart", executionId: running.id })).rejects.toBeInstanceOf(ConflictError);
    const after = await h.repository.getExecution(running.id);
    expect(after!.execution.state).toEqual(before!.execution.state);
    expect(after!.execution.version).toBe(before!.execution.version);
    await h.executor.handle({ type: "kill", executionId: running.id });
  });

  it("an execution left RESTARTED (the process died before its next step) is started by the reconcile", async () => {
    const first = await h.run(RESTART_LAST_FAILED());
    const stored = (await h.repository.getExecution(first.execution.id))!;
    const c = stored.taskRuns.find((r) => r.taskId === "c")!;
    transition(stored.execution.state, "RESTARTED");
    transition(c.state, "RESTARTED");
    await h.repository.saveExecution(stored.execution, [c], { expectedVersion: stored.execution.version ?? 0 });
    expect(await h.executor.reconcile()).toBeGreaterThanOrEqual(1);
    const done = await h.result((await ended(first.execution.id)).execution.id);
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(states(done.execution.state.histories)).toEqual(["CREATED", "RUNNING", "FAILED", "RESTARTED", "RUNNING", "SUCCESS"]);
    expect(done.runs("c")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
  });
});
