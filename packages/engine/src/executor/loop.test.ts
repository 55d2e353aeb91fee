import { isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeCommand } from "../resume-request.js";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h?.close());

const ended = (e: ExecutionRecord) => isTerminal(e.state.current);
const flow = (body: string) => `id: loop-${Math.random().toString(36).slice(2, 8)}\nnamespace: test.loop\n${body}`;

/*
 * Issue 17: Kestra's Loop (core/src/main/java/io/kestra/plugin/core/flow/Loop.java and the
 * executor's LoopExecutionEventMessageHandler), each iteration standing alone as Kestra's
 * sub-execution does.
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
    expect(r.messages()).toContain("nested value 2 parent value none");
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("loop")).toBe("SUCCESS");
    expect(r.messages()).toEqual(expect.arrayContaining(["index=0 value=value 1 taskrun.value=none", "index=1 value=value 2 taskrun.value=none", "index=2 value=value 3 taskrun.value=none"]));
    expect(r.runs("log")).toHaveLength(3);
    expect(r.runs("nested")).toHaveLength(1);
    expect(await r.outputs("loop")).toEqual({ iterationCount: 3, runningIterations: 0, terminatedIterations: { SUCCESS: 3 } });
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
    expect(r.runs("l")).toHaveLength(3);
    expect(r.messages()).toEqual(expect.arrayContaining(["list 1", "list 2", "list 3", "map eu=paris#0", "map us=ohio#1"]));
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
    expect(r.messages()).toEqual(expect.arrayContaining(["echo B alpha", "echo B beta", 'after ["B alpha","B beta"] process=hidden']));
    expect(await r.outputs("loop")).toEqual({
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
      const found = await h.waitFor(id, (e) => e.state.current === "PAUSED");
      return { found, deployed, id };
    };
    const serial = await paused("    concurrencyLimit: 1\n");
    expect(serial.found.taskRuns.filter((t) => t.taskId === "pause").map((t) => t.state.current)).toEqual(["PAUSED"]);
    const all = await paused("");
    expect(all.found.taskRuns.filter((t) => t.taskId === "pause").map((t) => t.state.current)).toEqual(["PAUSED", "PAUSED", "PAUSED"]);
    // each resume answers one paused task run
    for (let found = all.found; !ended(found.execution); found = await h.waitFor(all.id, (e) => e.state.current === "PAUSED" || ended(e))) {
      await h.executor.handle(await resumeCommand(found, all.deployed, h.registry, {}));
      await h.waitFor(all.id, (e) => e.version !== found.execution.version);
    }
    const r = await h.result(all.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("pause")).toHaveLength(3);
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
    expect(r.runs("maybe")).toHaveLength(2);
    expect(r.messages()).toEqual(expect.arrayContaining(["handled boom", "cleanup ok", "cleanup boom"]));
    expect(r.messages()).not.toContain("handled ok");
    expect(r.messages().some((m) => m.includes("never"))).toBe(false);
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
    expect(failed.runs("handle")).toHaveLength(1);
    await h.executor.handle({ type: "restart", executionId: id });
    const r = await h.result((await h.waitFor(id, (e) => ended(e) && e.state.histories.length > failed.execution.state.histories.length)).execution.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("loop")).toBe("SUCCESS");
    expect(r.runs("handle")).toHaveLength(0);
    expect(r.runs("maybe").map((t) => t.state.current)).toEqual(["SUCCESS", "SUCCESS", "SUCCESS"]);
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
    expect(r.runs("log")).toHaveLength(2);
    expect(await r.outputs("loop")).toMatchObject({ iterationCount: 5, terminatedIterations: { SUCCESS: 2 }, outputs: [{ outputs: { n: 1 } }, { outputs: { n: 2 } }] });
  });

  it("nested loops: item is the inner iteration's, item.parent and item.parents[n] the enclosing ones", async () => {
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
                message: "{{ item.parents[1].value }}_{{ item.parent.value }}_{{ item.value }}"
`),
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("log")).toHaveLength(8);
    expect(r.messages()).toEqual(expect.arrayContaining(["bucket1_2025_Jan", "bucket2_2026_Feb", "bucket1_2026_Feb", "bucket2_2025_Jan"]));
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
      const command = await resumeCommand(paused, deployed, h.registry, {});
      await h.executor.handle(command);
      await h.waitFor(id, (e) => e.state.current !== "PAUSED");
    }
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("pause").map((t) => t.state.current)).toEqual(["SUCCESS", "SUCCESS"]);
    expect(r.runs("loop")[0].state.histories.map((s) => s.state)).toEqual(["RUNNING", "PAUSED", "RUNNING", "PAUSED", "RUNNING", "SUCCESS"]);
    expect(r.execution.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "PAUSED", "RUNNING", "PAUSED", "RUNNING", "SUCCESS"]);
    expect(r.messages()).toEqual(expect.arrayContaining(["after pause 1", "after pause 2"]));
  });

  // a flowable listed before the paused one under it closes in the same kill pass (kill.ts), a ForEach's as a Loop's
  it.each(["Loop", "ForEach"])("a kill ends a %s paused in an iteration KILLED, with its execution, and starts no more iterations", async (kind) => {
    const deployed = await h.deploy(flow(`tasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.${kind}\n    values: [1, 2]\n    concurrencyLimit: 1\n    tasks:\n      - { id: pause, type: io.kestra.plugin.core.flow.Pause }\n`));
    const { id } = await h.executions.create({ flow: deployed });
    await h.waitFor(id, (e) => e.state.current === "PAUSED");
    await h.executor.handle({ type: "kill", executionId: id });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("KILLED");
    expect(r.state("loop")).toBe("KILLED");
    expect(r.runs("pause").map((t) => t.state.current)).toEqual(["KILLED"]);
  });

  it("values that are no list nor map, or hold a null, fail the loop with Kestra's message", async () => {
    const r = await h.run(flow(`tasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.Loop\n    values: "{{ [1, null] }}"\n    tasks:\n      - { id: l, type: io.kestra.plugin.core.log.Log, message: x }\n`));
    expect(r.state("loop")).toBe("FAILED");
    expect(r.messages().some((m) => m.includes("Found a null value inside the iteration values"))).toBe(true);
  });
});
