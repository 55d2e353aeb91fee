import { isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h?.close());

const ended = (e: ExecutionRecord) => isTerminal(e.state.current);

/* Issue 16.5: a Sleep of any length is a durable wait held by the executor, not a worker slot. */
describe("core.Sleep, held by the executor", () => {
  it("waits RUNNING for its duration, with Kestra's log line, on no worker, then the flow goes on", async () => {
    const r = await h.run(`id: nap\nnamespace: test.sleep\ntasks:\n  - { id: nap, type: io.kestra.plugin.core.flow.Sleep, duration: PT0.4S }\n  - { id: after, type: core.Log, message: awake }\n`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const [nap] = r.runs("nap");
    expect(nap.state.current).toBe("SUCCESS");
    // one attempt, as Kestra's (a Sleep runs on its worker there); here the executor holds it, no worker ran it
    expect(nap.attempts.map((a) => [a.state.current, a.flowable, a.workerId])).toEqual([["SUCCESS", true, undefined]]);
    expect(Date.parse(nap.state.endDate!) - Date.parse(nap.state.startDate)).toBeGreaterThanOrEqual(400);
    expect(r.messages()).toEqual(expect.arrayContaining(["Waiting for PT0.4S", "awake"]));
  });

  it("Kestra's Wait (flow.Wait and debug.Wait) is the same task: it waits, logs Kestra's line, and ends SUCCESS", async () => {
    const r = await h.run(
      `id: waits\nnamespace: test.sleep\ntasks:\n  - { id: one, type: io.kestra.plugin.core.flow.Wait, duration: PT0.1S }\n  - { id: two, type: io.kestra.plugin.core.debug.Wait, duration: PT0.2S }\n`,
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    expect([r.state("one"), r.state("two")]).toEqual(["SUCCESS", "SUCCESS"]);
    expect(r.messages()).toEqual(expect.arrayContaining(["Waiting for PT0.1S", "Waiting for PT0.2S"]));
  });

  it("a Wait without its duration is refused, naming it", async () => {
    await expect(h.deploy(`id: wait-bad\nnamespace: test.sleep\ntasks:\n  - { id: w, type: io.kestra.plugin.core.flow.Wait }\n`)).rejects.toThrow(/duration/);
  });

  it("a Sleep of thirty days holds no worker slot and ends at once when killed", async () => {
    const flow = await h.deploy(`id: long-nap\nnamespace: test.sleep\ntasks:\n  - { id: nap, type: core.Sleep, duration: P30D }\n`);
    const { id } = await h.executions.create({ flow });
    await h.waitFor(id, (e) => e.state.current === "RUNNING");
    await new Promise((r) => setTimeout(r, 200));
    // RUNNING with no attempt: no job was ever sent to a worker
    expect((await h.repository.getExecution(id))!.taskRuns.map((t) => [t.state.current, t.attempts.length])).toEqual([["RUNNING", 1]]);
    await h.executor.handle({ type: "kill", executionId: id });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("KILLED");
    expect(r.state("nap")).toBe("KILLED");
  });

  it("a shorter timeout fails it with Kestra's message", async () => {
    const r = await h.run(`id: slow\nnamespace: test.sleep\ntasks:\n  - { id: too_slow, type: core.Sleep, duration: PT30S, timeout: PT0.3S }\n  - { id: not_reached, type: core.Log, message: never }\n`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("too_slow")).toBe("FAILED");
    expect(r.messages()).toEqual(expect.arrayContaining(["Waiting for PT30S", "Timeout after 00:00:00.300"]));
    expect(r.messages()).not.toContain("never");
  });

  it("outlives a restart of the process: its wake-up, lost with the in-memory queue, is armed again from the repository", async () => {
    const first = await createEngineHarness();
    const flow = await first.deploy(`id: nap-restart\nnamespace: test.sleep\ntasks:\n  - { id: nap, type: core.Sleep, duration: PT1S }\n  - { id: after, type: core.Log, message: after the restart }\n`);
    const { id } = await first.executions.create({ flow });
    await first.waitFor(id, (e) => e.state.current === "RUNNING");
    await new Promise((r) => setTimeout(r, 200));
    await first.close(true); // the queue and its delayed wake-up are gone
    const second = await createEngineHarness([], { dir: first.dir });
    try {
      const r = await second.result((await second.waitFor(id, ended)).execution.id);
      expect(r.execution.state.current).toBe("SUCCESS");
      expect(r.messages()).toContain("after the restart");
    } finally {
      await second.close();
    }
  });
});
