import { isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h?.close());

const ended = (e: ExecutionRecord) => isTerminal(e.state.current);

/* Issue 17: `timeout` on a flowable task kills what runs below it and fails it, a durable wait of the executor. */
describe("timeout on flowable tasks", () => {
  it("a Sequential past its timeout kills its running child (on a worker) and fails, with Kestra's line; errors run, the rest does not", async () => {
    const r = await h.run(`id: slow-group\nnamespace: test.timeout\ntasks:\n  - id: group\n    type: io.kestra.plugin.core.flow.Sequential\n    timeout: PT0.5S\n    tasks:\n      - { id: busy, type: test.WorkerWait, ms: 30000 }\n      - { id: never, type: core.Log, message: never }\nerrors:\n  - { id: handler, type: core.Log, message: "handled the timeout" }\n`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("group")).toBe("FAILED");
    expect(r.state("busy")).toBe("KILLED");
    expect(r.runs("never")).toHaveLength(0);
    expect(r.messages()).toContain("handled the timeout");
    expect(r.messages()).toContain("Timeout after 00:00:00.500");
    const [group] = r.runs("group");
    expect(Date.parse(group.state.endDate!) - Date.parse(group.state.startDate)).toBeLessThan(10_000);
  });

  it("a flowable that ends in time is not touched by its timeout", async () => {
    const r = await h.run(`id: quick-group\nnamespace: test.timeout\ntasks:\n  - id: group\n    type: core.Parallel\n    timeout: PT5S\n    tasks:\n      - { id: a, type: core.Log, message: a }\n      - { id: b, type: core.Log, message: b }\n`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("group")).toBe("SUCCESS");
  });

  it("allowFailure: a timed-out flowable ends WARNING and the flow goes on", async () => {
    const r = await h.run(`id: tolerant\nnamespace: test.timeout\ntasks:\n  - id: group\n    type: core.Sequential\n    timeout: PT0.3S\n    allowFailure: true\n    tasks:\n      - { id: nap, type: core.Sleep, duration: PT30S }\n  - { id: after, type: core.Log, message: went on }\n`);
    expect(r.execution.state.current).toBe("WARNING");
    expect(r.state("group")).toBe("WARNING");
    expect(r.state("nap")).toBe("KILLED");
    expect(r.messages()).toContain("went on");
  });

  it("bounds a LoopUntil waiting its interval, PAUSED: the execution runs again and fails", async () => {
    const r = await h.run(`id: loop-timeout\nnamespace: test.timeout\ntasks:\n  - id: loop\n    type: core.LoopUntil\n    timeout: PT0.5S\n    condition: "false"\n    checkFrequency: { interval: P1D }\n    tasks:\n      - { id: step, type: core.Log, message: step }\n`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("loop")).toBe("FAILED");
    expect(r.execution.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "PAUSED", "RUNNING", "FAILED"]);
  });

  it("a timeout that does not render fails the flowable at its start, saying why", async () => {
    const r = await h.run(`id: bad-timeout\nnamespace: test.timeout\ntasks:\n  - id: group\n    type: core.Sequential\n    timeout: "{{ inputs.nope }}"\n    tasks:\n      - { id: a, type: core.Log, message: a }\n`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.runs("a")).toHaveLength(0);
  });

  it("survives a restart: the wake-up, lost with the in-memory queue, is armed again from the repository", async () => {
    const first = await createEngineHarness();
    const flow = await first.deploy(`id: timeout-restart\nnamespace: test.timeout\ntasks:\n  - id: group\n    type: core.Sequential\n    timeout: PT1S\n    tasks:\n      - { id: nap, type: core.Sleep, duration: P30D }\n`);
    const { id } = await first.executions.create({ flow });
    await first.waitFor(id, (e) => e.state.current === "RUNNING");
    await new Promise((r) => setTimeout(r, 200));
    await first.close(true);
    const second = await createEngineHarness([], { dir: first.dir });
    try {
      const r = await second.result((await second.waitFor(id, ended)).execution.id);
      expect(r.execution.state.current).toBe("FAILED");
      expect(r.state("nap")).toBe("KILLED");
      expect(r.messages()).toContain("Timeout after 00:00:01.000");
    } finally {
      await second.close();
    }
  });
});
