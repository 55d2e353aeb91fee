import { isTerminal, setNamespaceIsolation, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeCommand } from "../resume-request.js";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { pausedIteration } from "./loop-execution.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h?.close());

const ended = (e: ExecutionRecord) => isTerminal(e.state.current);
const flow = (body: string) => `id: loop-${Math.random().toString(36).slice(2, 8)}\nnamespace: test.loop\n${body}`;

/** resumes the execution where a Loop paused it: its paused iteration, as Kestra's ExecutionService.resume does */
const resume = async (id: string, flowSource: Awaited<ReturnType<EngineHarness["deploy"]>>) => {
  const found = await pausedIteration(h.repository, (await h.repository.getExecution(id))!);
  await h.executor.handle(await resumeCommand(found, flowSource, h.registry, {}));
  return found.execution.id;
};

/*
 * Issue 17: Kestra's Loop (core/src/main/java/io/kestra/plugin/core/flow/Loop.java, the
 * executor's handleLoop and LoopExecutionEventMessageHandler), each iteration a loop
 * sub-execution (kind LOOP) as LoopCaseTest asserts it: the root's taskRunList holds the
 * Loop's task run, the body's task runs live in the sub-executions.
 */
describe("flow.Loop", () => {
  it("runs its tasks once per value; they read item.index and item.value, not taskrun.value", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: ["value 1", "value 2", "value 3"]
    tasks:
      - id: log
        type: io.kestra.plugin.core.log.Log
        message: "index={{ item.index }} value={{ item.value }} taskrun.value={{ taskrun.value ?? 'none' }}"
      - id: if
        type: io.kestra.plugin.core.flow.If
        condition: "{{ item.index == 1 }}"
        then:
          - { id: nested, type: io.kestra.plugin.core.log.Log, message: "nested {{ item.value }} parent value {{ parent.taskrun.value ?? 'none' }}" }
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("loop")).toBe("SUCCESS");
    // as LoopCaseTest.loopSerial: the root holds the Loop's task run alone, one SUCCESS sub-execution per value
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(["loop"]);
    const iterations = await r.iterations();
    expect(iterations.map((i) => [i.execution.kind, i.execution.loopRun!.index, i.execution.loopRun!.value, i.execution.state.current])).toEqual([
      ["LOOP", 0, "value 1", "SUCCESS"], ["LOOP", 1, "value 2", "SUCCESS"], ["LOOP", 2, "value 3", "SUCCESS"],
    ]);
    expect(iterations.every((i) => i.execution.parent?.executionId === r.execution.id && i.execution.parent.taskRunId === r.runs("loop")[0].id)).toBe(true);
    expect(iterations.map((i) => i.runs("log").length)).toEqual([1, 1, 1]);
    expect(iterations[1].messages()).toEqual(["index=1 value=value 2 taskrun.value=none", "nested value 2 parent value none"]);
    expect(await r.allMessages()).toEqual(expect.arrayContaining(["index=0 value=value 1 taskrun.value=none", "index=2 value=value 3 taskrun.value=none"]));
    expect(iterations.map((i) => i.runs("nested").length)).toEqual([0, 1, 0]);
    // taskRunStatistic: the iterations' task runs (log and if in each, nested in the second), as Kestra's TaskRunStatistic counts them
    expect(await r.outputs("loop")).toMatchObject({ iterationCount: 3, runningIterations: 0, terminatedIterations: { SUCCESS: 3 }, taskRunStatistic: { count: 7 } });
    const statistic = ((await r.outputs("loop")) as { taskRunStatistic: Record<string, number> }).taskRunStatistic;
    expect(statistic.durationMinMs).toBeLessThanOrEqual(statistic.durationMaxMs);
    expect(statistic.durationSumMs).toBeGreaterThanOrEqual(statistic.durationMaxMs);
  });

  it("values from an expression, a map's keys as item.key; duplicates in a list are dropped as Kestra's resolveValues drops them", async () => {
    const r = await h.run(
      flow(`variables:
  regions: { eu: paris, us: ohio }
tasks:
  - id: list
    type: io.kestra.plugin.core.flow.Loop
    values: "{{ [1, 2, 2, 3] }}"
    tasks:
      - { id: l, type: io.kestra.plugin.core.log.Log, message: "list {{ item.value }}" }
  - id: map
    type: io.kestra.plugin.core.flow.Loop
    values: "{{ vars.regions }}"
    tasks:
      - { id: m, type: io.kestra.plugin.core.log.Log, message: "map {{ item.key }}={{ item.value }}#{{ item.index }}" }
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    expect((await r.iterations("list")).map((i) => i.execution.loopRun!.value)).toEqual(["1", "2", "3"]);
    expect((await r.iterations("map")).map((i) => [i.execution.loopRun!.key, i.execution.loopRun!.value])).toEqual([["eu", "paris"], ["us", "ohio"]]);
    expect(await r.allMessages()).toEqual(expect.arrayContaining(["list 1", "list 2", "list 3", "map eu=paris#0", "map us=ohio#1"]));
  });

  it("each iteration reads its own tasks' outputs by id and those before the loop; tasks after see the declared outputs only", async () => {
    const r = await h.run(
      flow(`tasks:
  - { id: before, type: io.kestra.plugin.core.debug.Return, format: "B" }
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: ["alpha", "beta"]
    outputs:
      - id: label
        type: STRING
        value: "{{ outputs.process.value }}"
    tasks:
      - { id: process, type: io.kestra.plugin.core.debug.Return, format: "{{ outputs.before.value }} {{ item.value }}" }
      - { id: echo, type: io.kestra.plugin.core.log.Log, message: "echo {{ outputs.process.value }}" }
  - { id: after, type: io.kestra.plugin.core.log.Log, message: "after {{ outputs.loop.outputs | jq('.[].outputs.label') }} process={{ outputs.process ?? 'hidden' }}" }
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages()).toContain('after ["B alpha","B beta"] process=hidden');
    expect((await r.iterations()).map((i) => i.messages().filter((m) => m.startsWith("echo")))).toEqual([["echo B alpha"], ["echo B beta"]]);
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(["before", "loop", "after"]);
    expect(await r.outputs("loop")).toMatchObject({
      iterationCount: 2,
      runningIterations: 0,
      terminatedIterations: { SUCCESS: 2 },
      outputs: [
        { item: { value: "alpha", iteration: 0 }, outputs: { label: "B alpha" } },
        { item: { value: "beta", iteration: 1 }, outputs: { label: "B beta" } },
      ],
    });
  });

  it("concurrencyLimit 1 runs one iteration at a time; 0 (the default) starts them all at once", async () => {
    const paused = async (limit: string) => {
      const deployed = await h.deploy(flow(`tasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.Loop\n    values: [a, b, c]\n${limit}    tasks:\n      - { id: pause, type: io.kestra.plugin.core.flow.Pause }\n`));
      const { id } = await h.executions.create({ flow: deployed });
      await h.waitFor(id, (e) => e.state.current === "PAUSED");
      const { results } = await h.repository.searchExecutions({ namespace: deployed.namespace, flowId: deployed.id, kind: "LOOP", page: 1, size: 10 });
      return { started: results.length, deployed, id };
    };
    // Kestra's LoopCaseTest loopParallelLess / loopParallelUnlimited: the limit bounds the sub-executions started at once
    const serial = await paused("    concurrencyLimit: 1\n");
    expect(serial.started).toBe(1);
    const all = await paused("");
    expect(all.started).toBe(3);
    // each resume answers one paused iteration
    for (let found = await h.waitFor(all.id, (e) => e.state.current === "PAUSED"); !ended(found.execution); found = await h.waitFor(all.id, (e) => e.state.current === "PAUSED" || ended(e))) {
      const resumed = await resume(all.id, all.deployed);
      await h.waitFor(resumed, (e) => e.state.current !== "PAUSED");
      await h.waitFor(all.id, (e) => e.version !== found.execution.version);
    }
    const r = await h.result(all.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect((await r.iterations()).map((i) => i.state("pause"))).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
  });

  it("a failed iteration fails the loop and starts no more; errors and finally run within the iteration", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: [ok, boom, never]
    concurrencyLimit: 1
    tasks:
      - id: maybe
        type: io.kestra.plugin.core.flow.If
        condition: "{{ item.value == 'boom' }}"
        then:
          - { id: fail, type: io.kestra.plugin.core.execution.Fail, errorMessage: "failing on {{ item.value }}" }
    errors:
      - { id: handle, type: io.kestra.plugin.core.log.Log, message: "handled {{ item.value }}" }
    finally:
      - { id: cleanup, type: io.kestra.plugin.core.log.Log, message: "cleanup {{ item.value }}" }
`),
    );
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("loop")).toBe("FAILED");
    const iterations = await r.iterations();
    expect(iterations.map((i) => i.execution.state.current)).toEqual(["SUCCESS", "FAILED"]);
    expect(iterations.map((i) => i.messages().filter((m) => /^(handled|cleanup)/.test(m)))).toEqual([["cleanup ok"], ["handled boom", "cleanup boom"]]);
    expect(r.messages().join("\n")).toMatch(new RegExp(`Loop iteration 1 ended in FAILED in sub-execution ${iterations[1].execution.id}`));
    expect((await r.allMessages()).some((m) => m.includes("never"))).toBe(false);
    expect(await r.outputs("loop")).toMatchObject({ iterationCount: 3, terminatedIterations: { SUCCESS: 1, FAILED: 1 } });
  });

  it("a restart runs the failed iteration again, its errors afresh, and the ones it held back; the counts follow", async () => {
    const deployed = await h.deploy(
      flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: [ok, boom, later]
    concurrencyLimit: 1
    outputs:
      - { id: v, type: STRING, value: "{{ item.value }}" }
    tasks:
      - id: maybe
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ item.value == 'boom' and (labels.system.restarted ?? 'false') != 'true' }}"
    errors:
      - { id: handle, type: io.kestra.plugin.core.log.Log, message: "handled {{ item.value }}" }
`),
    );
    const { id } = await h.executions.create({ flow: deployed });
    const failed = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(failed.execution.state.current).toBe("FAILED");
    const before = await failed.iterations();
    expect(before.map((i) => [i.execution.state.current, i.runs("handle").length])).toEqual([["SUCCESS", 0], ["FAILED", 1]]);
    // as Kestra's RestartCaseTest.restartLoop: the failed iteration's sub-execution is restarted, the next one created
    await h.executor.handle({ type: "restart", executionId: id });
    const r = await h.result((await h.waitFor(id, (e) => ended(e) && e.state.histories.length > failed.execution.state.histories.length)).execution.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("loop")).toBe("SUCCESS");
    const after = await r.iterations();
    expect(after.map((i) => i.execution.id).slice(0, 2)).toEqual(before.map((i) => i.execution.id));
    expect(after.map((i) => [i.execution.state.current, i.state("maybe"), i.runs("handle").length])).toEqual([["SUCCESS", "SUCCESS", 0], ["SUCCESS", "SUCCESS", 0], ["SUCCESS", "SUCCESS", 0]]);
    expect(await r.outputs("loop")).toMatchObject({ iterationCount: 3, runningIterations: 0, terminatedIterations: { SUCCESS: 3 } });
    expect(((await r.outputs("loop")) as { outputs: unknown[] }).outputs).toHaveLength(3);
  });

  it("transmitFailed: false goes on past a failed iteration and ends SUCCESS", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: [ok, boom, ok2]
    transmitFailed: false
    concurrencyLimit: 1
    tasks:
      - id: maybe
        type: io.kestra.plugin.core.flow.If
        condition: "{{ item.value == 'boom' }}"
        then:
          - { id: fail, type: io.kestra.plugin.core.execution.Fail }
`),
    );
    expect(r.state("loop")).toBe("SUCCESS");
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("loop")).toMatchObject({ terminatedIterations: { SUCCESS: 2, FAILED: 1 } });
  });

  it("an iteration whose declared outputs do not render ends FAILED, and fails the loop (Kestra's loop-outputs-failed-render.yaml)", async () => {
    const body = (transmit: string) =>
      flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: [a, b, c]
    concurrencyLimit: 1
${transmit}    outputs:
      - id: value
        type: STRING
        value: "{{ outputs.nonExistentTask.value }}"
    tasks:
      - id: doWork
        type: io.kestra.plugin.core.debug.Return
        format: some output
`);
    const r = await h.run(body(""));
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("loop")).toBe("FAILED");
    // its tasks ended as they did: only the iteration failed, and no other started
    const iterations = await r.iterations();
    expect(iterations.map((i) => [i.execution.state.current, i.state("doWork")])).toEqual([["FAILED", "SUCCESS"]]);
    expect(await r.outputs("loop")).toMatchObject({ terminatedIterations: { FAILED: 1 } });
    expect(iterations[0].messages().join("\n")).toMatch(/Loop iteration 0: failed to render its outputs/);
    const going = await h.run(body("    transmitFailed: false\n"));
    expect(going.execution.state.current).toBe("SUCCESS");
    expect(await going.outputs("loop")).toMatchObject({ iterationCount: 3, terminatedIterations: { FAILED: 3 } });
  });

  it("values naming a storage file iterate over its Ion lines; fetchType AUTO then stores each iteration's outputs (Kestra's loop-values-from-uri, loop-outputs-auto)", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: |-
      {title:"Michel-Ange",views:448}
      "plain text"
      {title:"Histoire",views:438}
    extension: .ion
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    concurrencyLimit: 1
    values: "{{ outputs.write.uri }}"
    outputs:
      - id: value
        type: STRING
        value: "{{ outputs.item.value }}"
    tasks:
      - id: item
        type: io.kestra.plugin.core.debug.Return
        format: "{{ item.index }} - {{ item.value }}"
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    const iterations = await r.iterations();
    expect(iterations.map((i) => i.state("item"))).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
    const outs = await Promise.all(iterations.map((i) => i.outputs("item") as Promise<{ value: string }>));
    expect(outs.map((o) => o.value)).toEqual(['0 - {"title":"Michel-Ange","views":448}', "1 - plain text", '2 - {"title":"Histoire","views":438}']);
    const loop = (await r.outputs("loop")) as { iterationCount: number; terminatedIterations: unknown; outputs: Array<{ outputs: { uri?: string } }> };
    expect(loop).toMatchObject({ iterationCount: 3, terminatedIterations: { SUCCESS: 3 } });
    expect(loop.outputs.every((o) => o.outputs.uri?.startsWith("ferry://"))).toBe(true);
  });

  it("values naming a file of another namespace: read as read() reads it (every namespace, as Kestra's open-source edition; not with namespaces.isolation: tree)", async () => {
    await h.storage.put("other/ns/_files/list.ion", '"first"\n"second"\n');
    const source = flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: "ferry://other/ns/_files/list.ion"
    tasks:
      - { id: item, type: io.kestra.plugin.core.debug.Return, format: "{{ item.value }}" }
`);
    const r = await h.run(source);
    expect(r.execution.state.current).toBe("SUCCESS");
    const iterations = await r.iterations();
    expect(await Promise.all(iterations.map((i) => i.outputs("item")))).toEqual([{ value: "first" }, { value: "second" }]);
    const before = setNamespaceIsolation("tree");
    try {
      const isolated = await h.run(source);
      expect(isolated.execution.state.current).toBe("FAILED");
      expect(isolated.runs("item")).toHaveLength(0);
      expect(isolated.messages().join("\n")).toMatch(/didn.t belong to the current execution/);
    } finally {
      setNamespaceIsolation(before);
    }
  });

  it("breakWhen, rendered after each iteration with its outputs, starts no more iterations", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: [1, 2, 3, 4, 5]
    concurrencyLimit: 1
    outputs:
      - { id: n, type: INT, value: "{{ item.value }}" }
    breakWhen: "{{ iteration.outputs.n >= 2 and iteration.state == 'SUCCESS' }}"
    tasks:
      - { id: log, type: io.kestra.plugin.core.log.Log, message: "n {{ item.value }}" }
`),
    );
    expect(r.state("loop")).toBe("SUCCESS");
    expect((await r.iterations()).map((i) => i.messages())).toEqual([["n 1"], ["n 2"]]);
    expect(await r.outputs("loop")).toMatchObject({ iterationCount: 5, terminatedIterations: { SUCCESS: 2 }, outputs: [{ outputs: { n: 1 } }, { outputs: { n: 2 } }] });
  });

  it("nested loops: item is the inner iteration's, item.parents the enclosing ones outermost first, item.parent the nearest (LoopCaseTest.loopNested)", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: outer
    type: io.kestra.plugin.core.flow.Loop
    values: [bucket1, bucket2]
    tasks:
      - id: middle
        type: io.kestra.plugin.core.flow.Loop
        values: [2025, 2026]
        tasks:
          - id: inner
            type: io.kestra.plugin.core.flow.Loop
            values: [Jan, Feb]
            tasks:
              - id: log
                type: io.kestra.plugin.core.log.Log
                message: "{{ item.parents[0].value }}_{{ item.parent.value }}_{{ item.value }}|{{ item.parents[1].value }}"
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    // as LoopCaseTest.loopNested: each iteration's own Loop has sub-executions of its own, under it
    const outer = await r.iterations();
    expect(outer.map((i) => i.taskRuns.map((t) => t.taskId))).toEqual([["middle"], ["middle"]]);
    const middle = (await Promise.all(outer.map((i) => i.iterations()))).flat();
    expect(middle).toHaveLength(4);
    const inner = (await Promise.all(middle.map((i) => i.iterations()))).flat();
    // Kestra's Execution.computeParents: the parent's parents, then the parent's own item
    expect(inner.map((i) => i.execution.loopRun!.parents.map((p) => p.value))).toContainEqual(["bucket2", "2026"]);
    const all = await r.allMessages();
    expect(all.filter((m) => /_/.test(m)).sort()).toEqual(["bucket1_2025_Feb|2025", "bucket1_2025_Jan|2025", "bucket1_2026_Feb|2026", "bucket1_2026_Jan|2026", "bucket2_2025_Feb|2025", "bucket2_2025_Jan|2025", "bucket2_2026_Feb|2026", "bucket2_2026_Jan|2026"]);
  });

  it("a Pause inside an iteration pauses the execution; resumed, the loop goes on to its end", async () => {
    const deployed = await h.deploy(
      flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: [1, 2]
    concurrencyLimit: 1
    tasks:
      - { id: pause, type: io.kestra.plugin.core.flow.Pause }
      - { id: log, type: io.kestra.plugin.core.log.Log, message: "after pause {{ item.value }}" }
`),
    );
    const { id } = await h.executions.create({ flow: deployed });
    for (let i = 0; i < 2; i++) {
      const paused = await h.waitFor(id, (e) => e.state.current === "PAUSED");
      // as Kestra's LoopWithPauseTest: the Loop's task run is paused with its iteration
      expect(paused.taskRuns.find((t) => t.taskId === "loop")!.state.current).toBe("PAUSED");
      const resumed = await resume(id, deployed);
      expect(resumed).not.toBe(id);
      // RUNNING again (the next iteration may pause it again before a look sees RUNNING: its history says)
      await h.waitFor(id, (e) => e.state.histories.length > paused.execution.state.histories.length);
    }
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect((await r.iterations()).map((i) => i.state("pause"))).toEqual(["SUCCESS", "SUCCESS"]);
    expect(r.runs("loop")[0].state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "PAUSED", "RUNNING", "PAUSED", "RUNNING", "SUCCESS"]);
    expect(r.execution.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "PAUSED", "RUNNING", "PAUSED", "RUNNING", "SUCCESS"]);
    expect(await r.allMessages()).toEqual(expect.arrayContaining(["after pause 1", "after pause 2"]));
  });

  const pausedLoop = (kind: string, limit: number) => `tasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.${kind}\n    values: [1, 2, 3]\n    concurrencyLimit: ${limit}\n    tasks:\n      - { id: pause, type: io.kestra.plugin.core.flow.Pause }\n`;

  // a flowable listed before the paused one under it closes in the same kill pass (kill.ts)
  it("a kill ends a ForEach paused in an iteration KILLED, with its execution, and starts no more iterations", async () => {
    const deployed = await h.deploy(flow(pausedLoop("ForEach", 1)));
    const { id } = await h.executions.create({ flow: deployed });
    await h.waitFor(id, (e) => e.state.current === "PAUSED");
    await h.executor.handle({ type: "kill", executionId: id });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("KILLED");
    expect(r.state("loop")).toBe("KILLED");
    expect(r.runs("pause").map((t) => t.state.current)).toEqual(["KILLED"]);
  });

  it("a kill of the root kills the Loop's running iterations and starts no more", async () => {
    const deployed = await h.deploy(flow(pausedLoop("Loop", 2)));
    const { id } = await h.executions.create({ flow: deployed });
    await h.waitFor(id, (e) => e.state.current === "PAUSED");
    await h.executor.handle({ type: "kill", executionId: id });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("KILLED");
    expect(r.state("loop")).toBe("KILLED");
    const iterations = await r.iterations();
    expect(iterations.map((i) => [i.execution.state.current, i.state("pause")])).toEqual([["KILLED", "KILLED"], ["KILLED", "KILLED"]]);
  });

  it("with the default concurrencyLimit 0 every iteration starts; the first failure ends the Loop FAILED at once, the others run on (Kestra's loop-failed.yaml)", async () => {
    const r = await h.run(
      flow(`tasks:
  - id: loop
    type: io.kestra.plugin.core.flow.Loop
    values: [quick, slow1, slow2]
    tasks:
      - id: fail
        type: io.kestra.plugin.core.execution.Fail
        condition: "{{ item.value == 'quick' }}"
      - { id: wait, type: io.kestra.plugin.core.flow.Sleep, duration: PT0.3S }
  - { id: after, type: io.kestra.plugin.core.log.Log, message: never }
`),
    );
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.taskRuns.map((t) => [t.taskId, t.state.current])).toEqual([["loop", "FAILED"]]);
    expect(await r.outputs("loop")).toMatchObject({ iterationCount: 3, terminatedIterations: { FAILED: 1 } });
    // Loop.java's default 0 starts all three (LoopCaseTest's one sub-execution was asserted when the default was 1)
    expect((await r.iterations()).map((i) => i.execution.state.current)).toEqual(["FAILED", "SUCCESS", "SUCCESS"]);
  });

  it("values that are no list nor map, or hold a null, fail the loop with Kestra's message", async () => {
    const r = await h.run(flow(`tasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.Loop\n    values: "{{ [1, null] }}"\n    tasks:\n      - { id: l, type: io.kestra.plugin.core.log.Log, message: x }\n`));
    expect(r.state("loop")).toBe("FAILED");
    expect(r.messages().some((m) => m.includes("Found a null value inside the iteration values"))).toBe(true);
  });
});
