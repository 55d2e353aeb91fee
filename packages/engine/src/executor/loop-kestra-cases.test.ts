import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { executionStatistic, type TaskRunStatistic } from "./loop-iterations.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h?.close());

const flow = (body: string) => `id: loop-${Math.random().toString(36).slice(2, 8)}\nnamespace: test.loopcases\n${body}`;

/*
 * The differences the Loop sweep found when Kestra's own loop-*.yaml flows ran on `ferry server
 * local` against what LoopCaseTest asserts (SWEEP.md, "Asserted runs"); each case names the
 * LoopCaseTest method it follows. Our flows, shaped as Kestra's files are.
 */
describe("flow.Loop as LoopCaseTest asserts it", () => {
  it("an iteration's execution.id is the root execution's, at every depth (LoopCaseTest.loopExpressionContext)", async () => {
    const r = await h.run(
      flow(`tasks:
  - { id: before, type: io.kestra.plugin.core.debug.Return, format: "I'm before the loop" }
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    values: ["a", "b"]
    tasks:
      - { id: canAccessBefore, type: io.kestra.plugin.core.debug.Return, format: "{{ outputs.before.value }}" }
      - { id: contextIsFromParent, type: io.kestra.plugin.core.debug.Return, format: "{{ execution.id }}" }
      - id: inner
        type: io.kestra.plugin.core.flow.Loop
        values: [1]
        tasks:
          - { id: deep, type: io.kestra.plugin.core.debug.Return, format: "{{ execution.id }} {{ execution.startDate }}" }
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    const iterations = await r.iterations();
    expect(iterations).toHaveLength(2);
    for (const i of iterations) {
      expect(i.execution.id).not.toBe(r.execution.id);
      expect(await i.outputs("canAccessBefore")).toEqual({ value: "I'm before the loop" });
      expect(await i.outputs("contextIsFromParent")).toEqual({ value: r.execution.id });
      const [inner] = await i.iterations();
      expect(await inner.outputs("deep")).toEqual({ value: `${r.execution.id} ${r.execution.state.startDate}` });
    }
  });

  it("the root's taskRunStatistic counts every iteration's task runs, each level's bubbled up once (LoopCaseTest.loopNested, loopSerialMultipleTasks)", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: loop1
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    values: [1, 2]
    tasks:
      - id: loop2
        type: io.kestra.plugin.core.flow.Loop
        values: [1, 2, 3]
        tasks:
          - { id: first, type: io.kestra.plugin.core.log.Log, message: "{{ item.value }}" }
          - { id: second, type: io.kestra.plugin.core.log.Log, message: "{{ item.value }}" }
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(["loop1"]);
    // loop2 in each loop1 iteration: 3 iterations of 2 task runs = 6; loop1: per iteration its loop2 run and loop2's 6 = 7, twice
    const [first] = await r.iterations();
    expect(await first.outputs("loop2")).toMatchObject({ taskRunStatistic: { count: 6 } });
    expect(await r.outputs("loop1")).toMatchObject({ taskRunStatistic: { count: 14 } });
    const statistic = (await executionStatistic(r.taskRuns, (run) => h.store.read(run.outputsUri!))) as TaskRunStatistic;
    expect(statistic.count).toBe(14);
    expect(statistic.durationMinMs).toBeLessThanOrEqual(statistic.durationMaxMs);
    // an iteration's own statistic: its loop2's
    expect((await executionStatistic(first.taskRuns, (run) => h.store.read(run.outputsUri!)))?.count).toBe(6);
  });

  it("a LoopUntil's discarded iterations count in the execution's statistic and bubble up to the Loop's (LoopCaseTest.loopWithLoopUntil, ExecutionMetadata.taskRunStatistic)", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: [1, 2]
    tasks:
      - id: inner_wait
        type: io.kestra.plugin.core.flow.LoopUntil
        condition: "{{ outputs.inner_wait.iterationCount == 2 }}"
        checkFrequency: { interval: PT0.02S }
        tasks:
          - { id: log, type: io.kestra.plugin.core.log.Log, message: "iteration" }
  - id: until
    type: io.kestra.plugin.core.flow.LoopUntil
    condition: "{{ outputs.until.iterationCount == 3 }}"
    checkFrequency: { interval: PT0.02S }
    tasks:
      - { id: step, type: io.kestra.plugin.core.log.Log, message: "step" }
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    const subs = await r.iterations("loop");
    expect(subs).toHaveLength(2);
    // each iteration: [inner_wait, the last iteration's log] (2), and the first iteration's log dropped (1)
    for (const sub of subs) {
      expect(sub.runs("inner_wait")).toHaveLength(1);
      expect(sub.runs("log")).toHaveLength(1);
      expect(sub.execution.discardedTaskRuns?.count).toBe(1);
    }
    // bubbled up: 2 x (2 + 1) = 6, as LoopCaseTest asserts
    expect(((await r.outputs("loop")) as { taskRunStatistic: TaskRunStatistic }).taskRunStatistic.count).toBe(6);
    // the root's own LoopUntil dropped two iterations' step
    expect(r.runs("step")).toHaveLength(1);
    expect(r.execution.discardedTaskRuns?.count).toBe(2);
  });

  it("collected outputs are appended as iterations end, not in iteration order (LoopExecutionEventMessageHandler)", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: ["slow", "fast"]
    outputs:
      - { id: v, type: STRING, value: "{{ item.value }}" }
    tasks:
      - id: if
        type: io.kestra.plugin.core.flow.If
        condition: "{{ item.value == 'slow' }}"
        then:
          - { id: nap, type: test.WorkerWait, ms: 700 }
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    const outputs = (await r.outputs("loop")) as { outputs: Array<{ item: { iteration: number; value: string }; outputs: { v: string } }> };
    expect(outputs.outputs.map((o) => [o.item.iteration, o.outputs.v])).toEqual([[1, "fast"], [0, "slow"]]);
  });
});

describe("a Loop over a storage file (Loop.initFromUri, FlowableUtils.readAndCountLoopValuesFromUri)", () => {
  it("runs once per non-empty line, a line repeated as often as it is there (a list's duplicates are dropped, a file's are not)", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: |-
      "same"
      "other"

      "same"
    extension: .ion
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: "{{ outputs.write.uri }}"
    tasks:
      - { id: item, type: io.kestra.plugin.core.debug.Return, format: "{{ item.index }} {{ item.value }}" }
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("loop")).toMatchObject({ iterationCount: 3, terminatedIterations: { SUCCESS: 3 } });
    const values = await Promise.all((await r.iterations()).map(async (i) => ((await i.outputs("item")) as { value: string }).value));
    expect(values).toEqual(["0 same", "1 other", "2 same"]);
  });

  it("keeps nextOffset, the byte past the last value it started an iteration for (Loop.NEXT_OFFSET_OUTPUT, readLoopValuesFromUri); a list's Loop has none", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: |-
      "same"
      "other"

      "last"
    extension: .ion
  - id: all
    type: io.kestra.plugin.core.flow.Loop
    values: "{{ outputs.write.uri }}"
    tasks:
      - { id: item, type: io.kestra.plugin.core.debug.Return, format: "{{ item.value }}" }
  - id: list
    type: io.kestra.plugin.core.flow.Loop
    values: [a]
    tasks:
      - { id: listed, type: io.kestra.plugin.core.debug.Return, format: "{{ item.value }}" }
  - id: serial
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    values: "{{ outputs.write.uri }}"
    tasks:
      - { id: fail, type: io.kestra.plugin.core.execution.Fail, condition: "{{ item.value == 'other' }}" }
`),
    );
    // "same"\n ends at byte 7, "other"\n at 15, the empty line is skipped, "last" (no newline) ends the file at 22
    expect(await r.outputs("all")).toMatchObject({ iterationCount: 3, nextOffset: 22 });
    expect(await r.outputs("list")).not.toHaveProperty("nextOffset");
    // one at a time, the second value fails the Loop: the third is never read
    expect(r.state("serial")).toBe("FAILED");
    expect(await r.outputs("serial")).toMatchObject({ iterationCount: 3, terminatedIterations: { SUCCESS: 1, FAILED: 1 }, nextOffset: 15 });
  });
});

describe("a Loop iteration killed on its own (LoopExecutionEventMessageHandler.terminateLoop)", () => {
  const killedLoop = (transmitFailed: boolean) => `id: killed-${transmitFailed}
namespace: test.loopcases
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    transmitFailed: ${transmitFailed}
    values: [1, 2]
    tasks:
      - { id: pause, type: io.kestra.plugin.core.flow.Pause, pauseDuration: "{{ item.value == '1' ? 'PT1H' : 'PT0.05S' }}" }
  - { id: after, type: io.kestra.plugin.core.log.Log, message: "after the loop" }
`;
  const killFirst = async (transmitFailed: boolean) => {
    const { id } = await h.executions.create({ flow: await h.deploy(killedLoop(transmitFailed)) });
    await h.waitFor(id, (e) => e.state.current === "PAUSED");
    const { results } = await h.repository.searchExecutions({ namespace: "test.loopcases", flowId: `killed-${transmitFailed}`, kind: "LOOP", page: 1, size: 10 });
    const first = results.find((e) => e.parent?.executionId === id)!;
    await h.executor.handle({ type: "kill", executionId: first.id });
    return h.result((await h.waitFor(id, (e) => ["SUCCESS", "FAILED", "KILLED", "WARNING"].includes(e.state.current))).execution.id);
  };

  it("with transmitFailed it ends the Loop at once, SUCCESS (terminateLoop gives FAILED only for a FAILED iteration), and starts no more", async () => {
    const r = await killFirst(true);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.taskRuns.map((t) => [t.taskId, t.state.current])).toEqual([["loop", "SUCCESS"], ["after", "SUCCESS"]]);
    expect(await r.outputs("loop")).toMatchObject({ iterationCount: 2, terminatedIterations: { KILLED: 1 } });
    expect((await r.iterations()).map((i) => i.execution.state.current)).toEqual(["KILLED"]);
  });

  it("without transmitFailed it is counted KILLED and the next iteration runs", async () => {
    const r = await killFirst(false);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("loop")).toMatchObject({ iterationCount: 2, terminatedIterations: { KILLED: 1, SUCCESS: 1 } });
    expect((await r.iterations()).map((i) => i.execution.state.current)).toEqual(["KILLED", "SUCCESS"]);
  });
});

describe("core.execution.Resume aimed at an execution a Loop paused", () => {
  it("reaches the paused iteration, as Kestra's Resume task resumes through ExecutionService.resume (the API's resume)", async () => {
    const source = await h.deploy(`id: looped-pause
namespace: test.loopcases
tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    values: [a, b]
    tasks:
      - id: wait
        type: io.kestra.plugin.core.flow.Pause
        onResume:
          - { id: who, type: STRING }
      - { id: after, type: io.kestra.plugin.core.log.Log, message: "{{ item.value }} resumed by {{ outputs.wait.onResume.who }}" }
`);
    const { id } = await h.executions.create({ flow: source });
    // the iteration of `value`, once it is the one paused
    const pausedOn = async (value: string) => {
      for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
        const { results } = await h.repository.searchExecutions({ namespace: "test.loopcases", flowId: "looped-pause", kind: "LOOP", state: ["PAUSED"], page: 1, size: 10 });
        if (results.some((e) => e.parent?.executionId === id && e.loopRun?.value === value)) return;
      }
      throw new Error(`iteration ${value} never paused`);
    };
    const resumer = `id: loop-resumer
namespace: test.loopcases
inputs:
  - { id: target, type: STRING }
tasks:
  - id: resume
    type: io.kestra.plugin.core.execution.Resume
    executionId: "{{ inputs.target }}"
    namespace: test.loopcases
    flowId: looped-pause
    inputs: { who: resumer }
`;
    for (const value of ["a", "b"]) {
      await pausedOn(value);
      await h.waitFor(id, (e) => e.state.current === "PAUSED");
      const resumed = await h.run(resumer, { target: id });
      expect([value, resumed.execution.state.current]).toEqual([value, "SUCCESS"]);
    }
    const root = await h.result((await h.waitFor(id, (e) => ["SUCCESS", "FAILED", "KILLED"].includes(e.state.current))).execution.id);
    expect(root.execution.state.current).toBe("SUCCESS");
    expect(await root.allMessages()).toEqual(expect.arrayContaining(["a resumed by resumer", "b resumed by resumer"]));
  });
});
