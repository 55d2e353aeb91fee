import { parseFlow } from "@ferry/core";
import { isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeCommand } from "../resume-request.js";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h?.close());

const ended = (e: ExecutionRecord) => isTerminal(e.state.current);
const loop = (props: string, tasks = "      - { id: count, type: core.OutputValues, values: { n: \"{{ outputs.loop.iterationCount }}\" } }\n") =>
  `id: loop-${Math.random().toString(36).slice(2, 8)}\nnamespace: test.loop\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.LoopUntil\n${props}    tasks:\n${tasks}`;

/* Issue 17: Kestra's LoopUntil (alias WaitFor), its interval a durable wait held by the executor. */
describe("flow.LoopUntil / flow.WaitFor", () => {
  it("runs its tasks, then checks the condition: iteration n reads iterationCount n, the loop ends with the count of the iteration that met it", async () => {
    const r = await h.run(loop(`    condition: "{{ outputs.count.values.n == '3' }}"\n    checkFrequency: { interval: PT0.1S }\n`) + `  - { id: after, type: core.Log, message: "last {{ outputs.count.values.n }} of {{ outputs.loop.iterationCount }}" }\n`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("loop")).toBe("SUCCESS");
    expect(await r.outputs("loop")).toEqual({ iterationCount: 3 });
    // as Kestra's retryWaitFor: earlier iterations' task runs are dropped, the last one's stay
    expect(r.runs("count")).toHaveLength(1);
    expect(await r.outputs("count")).toEqual({ values: { n: "3" } });
    expect(r.messages()).toContain("last 3 of 3");
  });

  it("the condition is checked after the first iteration, never before: a condition true at once still runs the tasks once", async () => {
    const r = await h.run(loop(`    condition: "true"\n`));
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("loop")).toEqual({ iterationCount: 1 });
    expect(r.runs("count")).toHaveLength(1);
  });

  it("waits its interval between iterations PAUSED, with its execution (Kestra's pauseFlowable), on no worker", async () => {
    const flow = await h.deploy(loop(`    type: io.kestra.plugin.core.flow.WaitFor\n    condition: "{{ outputs.count.values.n == '2' }}"\n    checkFrequency: { interval: PT1S }\n`).replace("    type: io.kestra.plugin.core.flow.LoopUntil\n", ""));
    const { id } = await h.executions.create({ flow });
    const paused = await h.waitFor(id, (e) => e.state.current === "PAUSED");
    expect(paused.taskRuns.find((t) => t.taskId === "loop")!.state.current).toBe("PAUSED");
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.execution.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "PAUSED", "RUNNING", "SUCCESS"]);
    const [run] = r.runs("loop");
    expect(Date.parse(run.state.endDate!) - Date.parse(run.state.startDate)).toBeGreaterThanOrEqual(1000);
  });

  it("maxIterations reached ends it SUCCESS by default, FAILED with failOnMaxReached, with Kestra's warning", async () => {
    const kept = await h.run(loop(`    condition: "false"\n    checkFrequency: { maxIterations: 3, interval: PT0.05S }\n`));
    expect(kept.execution.state.current).toBe("SUCCESS");
    expect(await kept.outputs("loop")).toEqual({ iterationCount: 3 });
    expect(kept.messages()).toContain("Max iterations reached");
    const failed = await h.run(loop(`    condition: "false"\n    failOnMaxReached: true\n    checkFrequency: { maxIterations: 2, interval: PT0.05S }\n`));
    expect(failed.execution.state.current).toBe("FAILED");
    expect(failed.state("loop")).toBe("FAILED");
    expect(await failed.outputs("loop")).toEqual({ iterationCount: 2 });
  });

  it("maxDuration, counted from the loop's start, stops it", async () => {
    const r = await h.run(loop(`    condition: "false"\n    failOnMaxReached: true\n    checkFrequency: { maxDuration: PT0.5S, interval: PT0.2S }\n`));
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages()).toContain("Max duration reached");
    expect(((await r.outputs("loop")) as { iterationCount: number }).iterationCount).toBeGreaterThan(1);
  });

  it("a child that fails ends the loop FAILED at once (no more iterations), its errors branch running", async () => {
    const r = await h.run(loop(`    condition: "false"\n    checkFrequency: { interval: PT0.05S }\n    errors:\n      - { id: handler, type: core.Log, message: "loop failed at {{ outputs.loop.iterationCount }}" }\n`, "      - { id: boom, type: core.Fail }\n"));
    expect(r.execution.state.current).toBe("FAILED");
    expect(await r.outputs("loop")).toEqual({ iterationCount: 1 });
    expect(r.messages()).toContain("loop failed at 1");
  });

  it("a long interval holds no worker and is killed at once", async () => {
    const flow = await h.deploy(loop(`    condition: "false"\n    checkFrequency: { interval: P30D }\n`));
    const { id } = await h.executions.create({ flow });
    await h.waitFor(id, (e) => e.state.current === "PAUSED");
    await h.executor.handle({ type: "kill", executionId: id });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("KILLED");
    expect(r.state("loop")).toBe("KILLED");
  });

  it("its interval outlives a restart: the wake-up, lost with the in-memory queue, is armed again from the repository", async () => {
    const first = await createEngineHarness();
    const flow = await first.deploy(loop(`    condition: "{{ outputs.count.values.n == '2' }}"\n    checkFrequency: { interval: PT1S }\n`));
    const { id } = await first.executions.create({ flow });
    await first.waitFor(id, (e) => e.state.current === "PAUSED");
    await first.close(true);
    const second = await createEngineHarness([], { dir: first.dir });
    try {
      const r = await second.result((await second.waitFor(id, ended)).execution.id);
      expect(r.execution.state.current).toBe("SUCCESS");
      expect(await r.outputs("loop")).toEqual({ iterationCount: 2 });
    } finally {
      await second.close();
    }
  });

  it("a waiting loop is no Pause: resuming it answers 409 and changes nothing", async () => {
    const flow = await h.deploy(loop(`    condition: "false"\n    checkFrequency: { interval: P1D }\n`));
    const { id } = await h.executions.create({ flow });
    const paused = await h.waitFor(id, (e) => e.state.current === "PAUSED");
    await expect(h.executor.handle(await resumeCommand(paused, flow, h.registry, {}))).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/not a Pause/) });
    expect((await h.repository.getExecution(id))!.execution.state.current).toBe("PAUSED");
    await h.executor.handle({ type: "kill", executionId: id });
    await h.waitFor(id, ended);
  });

  it("the first task of each iteration reads taskrun.iteration (Kestra sets it on that run alone), also on a retried attempt", async () => {
    const r = await h.run(loop(`    condition: "{{ outputs.count.values.n == '2' }}"\n    checkFrequency: { interval: PT0.05S }\n`,
      "      - id: flaky\n        type: core.Fail\n        condition: \"{{ taskrun.attemptsCount == 0 or (taskrun.iteration ?? 0) == 0 }}\"\n        retry: { type: constant, interval: PT0.05S, maxAttempt: 2 }\n" +
      "      - { id: count, type: core.OutputValues, values: { n: \"{{ outputs.loop.iterationCount }}\", mine: \"{{ taskrun.iteration ?? 'none' }}\" } }\n",
    ));
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("flaky")).toBe("SUCCESS");
    expect(r.runs("flaky")[0].attempts).toHaveLength(2);
    expect(await r.outputs("count")).toMatchObject({ values: { n: "2", mine: "none" } });
    const numbered = await h.run(loop(`    condition: "{{ outputs.first.values.it == '3' }}"\n    checkFrequency: { interval: PT0.05S }\n`, "      - { id: first, type: core.OutputValues, values: { it: \"{{ taskrun.iteration }}\" } }\n"));
    expect(await numbered.outputs("first")).toEqual({ values: { it: "3" } });
    expect(await numbered.outputs("loop")).toEqual({ iterationCount: 3 });
  });

  it("a resume beside a waiting loop resumes the Pause, not the loop", async () => {
    const flow = await h.deploy(`id: pause-beside-loop\nnamespace: test.loop\ntasks:\n  - id: both\n    type: core.Parallel\n    tasks:\n      - id: loop\n        type: core.LoopUntil\n        condition: "{{ outputs.step.value == '2' }}"\n        checkFrequency: { interval: PT1S }\n        tasks:\n          - { id: step, type: core.Return, format: "{{ outputs.loop.iterationCount }}" }\n      - { id: approve, type: core.Pause }\n`);
    const { id } = await h.executions.create({ flow });
    // both wait: the Pause at once, the loop once its first iteration ended
    const bothWaiting = async () => {
      for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
        const found = (await h.repository.getExecution(id))!;
        if (found.taskRuns.filter((t) => t.state.current === "PAUSED").length === 2) return found;
      }
      throw new Error("the Pause and the loop never waited together");
    };
    await h.executor.handle(await resumeCommand(await bothWaiting(), flow, h.registry, {}));
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("approve")).toBe("SUCCESS");
    expect(await r.outputs("loop")).toEqual({ iterationCount: 2 });
  });

  it("nested loops start afresh on each outer iteration (Kestra's retryWaitFor drops every descendant), and a loop runs per ForEach value", async () => {
    const nested = await h.run(`id: nested-loops\nnamespace: test.loop\ntasks:\n  - id: outer\n    type: core.LoopUntil\n    condition: "{{ outputs.outer.iterationCount == 3 }}"\n    checkFrequency: { interval: PT0.02S }\n    tasks:\n      - id: inner\n        type: core.LoopUntil\n        condition: "{{ outputs.inner.iterationCount == 2 }}"\n        checkFrequency: { interval: PT0.02S }\n        tasks:\n          - { id: step, type: core.Log, message: "outer {{ outputs.outer.iterationCount }} inner {{ outputs.inner.iterationCount }}" }\n`);
    expect(nested.execution.state.current).toBe("SUCCESS");
    expect(await nested.outputs("outer")).toEqual({ iterationCount: 3 });
    expect(await nested.outputs("inner")).toEqual({ iterationCount: 2 });
    expect(nested.messages().filter((m) => m.startsWith("outer "))).toEqual(["outer 1 inner 1", "outer 1 inner 2", "outer 2 inner 1", "outer 2 inner 2", "outer 3 inner 1", "outer 3 inner 2"]);
    const each = await h.run(`id: loop-each\nnamespace: test.loop\ntasks:\n  - id: each\n    type: core.ForEach\n    values: [a, b]\n    concurrencyLimit: 0\n    tasks:\n      - id: loop\n        type: core.LoopUntil\n        condition: "{{ outputs.loop[taskrun.value].iterationCount == 2 }}"\n        checkFrequency: { interval: PT0.02S }\n        tasks:\n          - { id: step, type: core.Log, message: "step of {{ parent.taskrun.value }}" }\n`);
    expect(each.execution.state.current).toBe("SUCCESS");
    expect(each.runs("loop").map((r) => r.state.current)).toEqual(["SUCCESS", "SUCCESS"]);
    expect(each.runs("step")).toHaveLength(2);
    // the loop's children have no value (Kestra's FlowableUtils.resolveTasks): they read the ForEach's as parent.taskrun.value
    expect(each.runs("step").map((r) => r.value)).toEqual([undefined, undefined]);
    expect(each.messages().filter((m) => m.startsWith("step of ")).sort()).toEqual(["step of a", "step of a", "step of b", "step of b"]);
  });

  it("refuses at deploy what Kestra refuses, naming the property", () => {
    expect(() => parseFlow(`id: bad\nnamespace: test.loop\ntasks:\n  - id: loop\n    type: core.WaitFor\n    condition: "true"\n`, h.registry)).toThrow(/tasks/);
    expect(() => parseFlow(loop(""), h.registry)).toThrow(/condition/);
    expect(() => parseFlow(loop(`    condition: "true"\n    checkFrequency: { interval: -PT1S }\n`), h.registry)).toThrow(/must be a positive duration \(tasks\[0\]\.checkFrequency\.interval/);
    expect(() => parseFlow(loop(`    condition: "true"\n    checkFrequency: { interval: soon }\n`), h.registry)).toThrow(/checkFrequency\.interval/);
    expect(() => parseFlow(loop(`    condition: "true"\n    checkFrequency: { maxIterations: 0 }\n`), h.registry)).toThrow(/checkFrequency\.maxIterations/);
    expect(() => parseFlow(loop(`    condition: "true"\n    checkFrequency: { every: PT1S }\n`), h.registry)).toThrow(/every/);
  });
});
