import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

/**
 * A flowable's branches are walked whole once, then only where they changed (branch-walk.ts).
 * These runs take each path of that: failures and warnings of ended branches, disabled tasks,
 * unlimited and limited concurrency, nested loops, and a kill in the middle.
 */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

const values = (r: { runs(taskId: string): Array<{ value?: string }> }, taskId: string) => r.runs(taskId).map((t) => Number(t.value)).sort((a, b) => a - b);

describe("walking a flowable's branches as they change", () => {
  it("a failed iteration stops new ones: those running end, none starts after, the loop and the execution fail", async () => {
    const r = await h.run(`
id: each-fail
namespace: test.engine.branches
tasks:
  - id: loop
    type: core.ForEach
    values: "{{ range(1, 8) }}"
    concurrencyLimit: 2
    tasks:
      - id: check
        type: core.Fail
        condition: "{{ taskrun.value == '4' }}"
      - id: skipped
        type: core.Return
        disabled: true
      - id: done
        type: core.Return
        format: "{{ taskrun.value }}"
  - id: after
    type: core.Return
    format: never
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("loop")).toBe("FAILED");
    expect(r.runs("check").find((t) => t.value === "4")?.state.current).toBe("FAILED");
    // 4 fails while at most one other iteration (5) runs beside it: 6, 7 and 8 never start
    expect(values(r, "check").filter((v) => v > 5)).toEqual([]);
    expect(values(r, "done")).toEqual(values(r, "check").filter((v) => v !== 4));
    expect(r.runs("skipped")).toEqual([]);
    expect(r.runs("after")).toEqual([]);
  });

  it("all at once: every iteration runs, an allowed failure makes the loop WARNING, nested loops address every value", async () => {
    const r = await h.run(`
id: each-warn
namespace: test.engine.branches
tasks:
  - id: outer
    type: core.ForEach
    values: [a, b, c]
    concurrencyLimit: 0
    tasks:
      - id: inner
        type: core.ForEach
        values: "{{ range(1, 4) }}"
        tasks:
          - id: maybe
            type: core.Fail
            allowFailure: true
            condition: "{{ parent.taskrun.value == 'b' and taskrun.value == '2' }}"
          - id: ret
            type: core.Return
            format: "{{ parent.taskrun.value }}{{ taskrun.value }}"
  - id: pick
    type: core.Return
    format: "{{ outputs.ret['c']['3'].value }}"
`);
    expect(r.execution.state.current).toBe("WARNING");
    expect(r.state("outer")).toBe("WARNING");
    expect(r.runs("ret")).toHaveLength(12);
    expect(r.runs("maybe").filter((t) => t.state.current === "WARNING")).toHaveLength(1);
    expect(await r.outputs("pick")).toEqual({ value: "c3" });
  });

  it("a kill during a loop ends it KILLED and starts nothing more", async () => {
    const flow = await h.deploy(`
id: each-kill
namespace: test.engine.branches
tasks:
  - id: loop
    type: core.ForEach
    values: "{{ range(1, 50) }}"
    concurrencyLimit: 3
    tasks:
      - id: nap
        type: core.Sleep
        duration: PT0.2S
`);
    const execution = await h.executions.create({ flow, inputs: {} });
    await h.waitFor(execution.id, () => true);
    // wait until a few iterations ended, so the loop has been walked as it changed
    for (const end = Date.now() + 30_000; ; ) {
      const found = await h.repository.getExecution(execution.id);
      if ((found?.taskRuns.filter((t) => t.taskId === "nap" && t.state.current === "SUCCESS").length ?? 0) >= 4) break;
      if (Date.now() > end) throw new Error("the loop did not move");
      await new Promise((r) => setTimeout(r, 20));
    }
    await h.executor.handle({ type: "kill", executionId: execution.id });
    const { execution: ended, taskRuns } = await h.waitFor(execution.id, (e) => e.state.current === "KILLED");
    const started = taskRuns.filter((t) => t.taskId === "nap").length;
    // nothing starts once killed: what it held then is all it ever ran
    await new Promise((r) => setTimeout(r, 500));
    const later = (await h.repository.getExecution(execution.id))!.taskRuns.filter((t) => t.taskId === "nap");
    expect(ended.state.current).toBe("KILLED");
    expect(later).toHaveLength(started);
    expect(started).toBeLessThan(50);
    expect(taskRuns.find((t) => t.taskId === "loop")?.state.current).toBe("KILLED");
  });
});
