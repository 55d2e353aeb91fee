import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("flowable tasks", () => {
  it("Sequential runs children in order, nested, and exposes their outputs flat", async () => {
    const r = await h.run(`
id: seq
namespace: test.engine
tasks:
  - id: outer
    type: core.Sequential
    tasks:
      - id: one
        type: core.Return
        format: "1"
      - id: inner
        type: core.Sequential
        tasks:
          - id: two
            type: core.Return
            format: "{{ outputs.one.value }}2"
  - id: after
    type: core.Return
    format: "{{ outputs.two.value }}3"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("after")).toEqual({ value: "123" });
    const order = ["one", "two", "after"].map((t) => r.runs(t)[0].state.startDate);
    expect([...order].sort()).toEqual(order);
  });

  it("Parallel runs branches at most `concurrent` at once and joins before the next task", async () => {
    const r = await h.run(`
id: par
namespace: test.engine
tasks:
  - id: fan
    type: core.Parallel
    concurrent: 2
    tasks:
      - { id: a, type: core.Sleep, duration: PT0.2S }
      - { id: b, type: core.Sleep, duration: PT0.2S }
      - { id: c, type: core.Sleep, duration: PT0.2S }
  - id: joined
    type: core.Log
    message: joined
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const spans = ["a", "b", "c"].map((t) => {
      const s = r.runs(t)[0].state;
      return [Date.parse(s.histories.find((x) => x.state === "RUNNING")!.date), Date.parse(s.endDate!)];
    });
    const maxOverlap = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
    expect(maxOverlap).toBeLessThanOrEqual(2);
    const joinedStart = Date.parse(r.runs("joined")[0].state.startDate);
    expect(joinedStart).toBeGreaterThanOrEqual(Math.max(...spans.map(([, e]) => e)));
  });

  it("If takes `else` on a false condition and exposes evaluationResult", async () => {
    const flow = `
id: iff
namespace: test.engine
inputs:
  - { id: go, type: BOOLEAN }
tasks:
  - id: decide
    type: core.If
    condition: "{{ inputs.go }}"
    then:
      - { id: yes, type: core.Log, message: took then }
    else:
      - { id: no, type: core.Log, message: took else }
`;
    const no = await h.run(flow, { go: "false" });
    expect(no.execution.state.current).toBe("SUCCESS");
    expect(await no.outputs("decide")).toEqual({ evaluationResult: false });
    expect(no.runs("yes")).toHaveLength(0);
    expect(no.messages()).toContain("took else");
    const yes = await h.run(flow, { go: true });
    expect(yes.messages()).toContain("took then");
  });

  it("Switch picks the matching case or defaults", async () => {
    const flow = `
id: sw
namespace: test.engine
inputs:
  - { id: tier, type: STRING }
tasks:
  - id: route
    type: core.Switch
    value: "{{ inputs.tier }}"
    cases:
      gold:
        - { id: g, type: core.Log, message: gold }
    defaults:
      - { id: d, type: core.Log, message: other }
`;
    const gold = await h.run(flow, { tier: "gold" });
    expect(await gold.outputs("route")).toEqual({ value: "gold", defaults: false });
    expect(gold.state("g")).toBe("SUCCESS");
    const other = await h.run(flow, { tier: "tin" });
    expect(await other.outputs("route")).toEqual({ value: "tin", defaults: true });
    expect(other.state("d")).toBe("SUCCESS");
    expect(other.runs("g")).toHaveLength(0);
  });

  it("ForEach runs children per value with taskrun.value, within concurrencyLimit, outputs keyed by value", async () => {
    const r = await h.run(`
id: each
namespace: test.engine
tasks:
  - id: loop
    type: core.ForEach
    values: '["a", "b", "c", "a"]'
    concurrencyLimit: 2
    tasks:
      - id: nap
        type: core.Sleep
        duration: PT0.1S
      - id: shout
        type: core.Return
        format: "{{ taskrun.value | upper }}"
  - id: summary
    type: core.Return
    format: "{{ outputs.shout['b'].value }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("shout").map((t) => t.value).sort()).toEqual(["a", "b", "c"]);
    expect(await r.outputs("summary")).toEqual({ value: "B" });
    const spans = r.runs("nap").map((t) => [Date.parse(t.state.startDate), Date.parse(t.state.endDate!)]);
    const maxOverlap = Math.max(...spans.map(([start]) => spans.filter(([s, e]) => s <= start && start < e).length));
    expect(maxOverlap).toBeLessThanOrEqual(2);
  });

  it("ForEach with concurrencyLimit 0 runs every value at once; a nested list's tasks have no value and read it as parent.taskrun.value (Kestra's FlowableUtils.resolveTasks)", async () => {
    const r = await h.run(`
id: each-all
namespace: test.engine
tasks:
  - id: loop
    type: core.ForEach
    values: [1, 2, 3]
    concurrencyLimit: 0
    tasks:
      - id: group
        type: core.Sequential
        tasks:
          - id: inner
            type: core.Return
            format: "v{{ parent.taskrun.value }} {{ taskrun.value ?? 'none' }}"
  - id: after
    type: core.Return
    format: "{{ outputs.inner['2'].value }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("group").map((t) => t.value).sort()).toEqual(["1", "2", "3"]);
    expect(r.runs("inner").map((t) => t.value)).toEqual([undefined, undefined, undefined]);
    // Kestra's Execution.outputs nests a run without a value under its ancestors' values
    expect(await r.outputs("after")).toEqual({ value: "v2 none" });
  });

  it("runs Kestra's older EachSequential and EachParallel loops, and Echo", async () => {
    const r = await h.run(`
id: each-old
namespace: test.engine
tasks:
  - id: seq
    type: io.kestra.core.tasks.flows.EachSequential
    value: '["x", "y"]'
    tasks:
      - { id: one, type: core.Return, format: "s-{{ taskrun.value }}" }
  - id: par
    type: io.kestra.plugin.core.flow.EachParallel
    value: [1, 2, 3]
    concurrent: 2
    tasks:
      - { id: two, type: io.kestra.plugin.core.debug.Echo, format: "p-{{ taskrun.value }}", level: WARN }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("one").map((t) => t.value)).toEqual(["x", "y"]);
    expect(r.messages()).toEqual(expect.arrayContaining(["p-1", "p-2", "p-3"]));
    expect(r.logs.find((l) => l.message === "p-2")?.level).toBe("WARN");
  });

  it("nested loops see the outer values as parent and parents, and address outputs by every value", async () => {
    const r = await h.run(`
id: nested
namespace: test.engine
tasks:
  - id: outer
    type: core.ForEach
    values: [a, b]
    tasks:
      - id: inner
        type: core.ForEach
        values: [x, y]
        tasks:
          - id: pair
            type: core.Return
            format: "{{ parent.taskrun.value }}{{ taskrun.value }}/{{ parents[0].taskrun.value }}"
  - { id: pick, type: core.Return, format: "{{ outputs.pair['b']['x'].value }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const values = await Promise.all(r.runs("pair").map(async (t) => ((await h.store.read(t.outputsUri!)) as { value: string }).value));
    expect(values.sort()).toEqual(["ax/a", "ay/a", "bx/b", "by/b"]);
    // outputs of nested loops are addressed by every value, outermost first
    expect(await r.outputs("pick")).toEqual({ value: "bx/b" });
  });

  it("a flowable's task run has one attempt, RUNNING from its start, ending as it ends; an empty Loop none (Kestra's JdbcExecutor flowable attempt, ExecutorService.childWorkerTaskResult)", async () => {
    const r = await h.run(`
id: flowable-attempts
namespace: test.engine
tasks:
  - id: seq
    type: core.Sequential
    tasks:
      - { id: one, type: core.Return, format: x }
  - id: check
    type: core.If
    condition: "false"
    then:
      - { id: never, type: core.Return, format: x }
  - id: empty
    type: io.kestra.plugin.core.flow.Loop
    values: []
    tasks:
      - { id: nothing, type: core.Return, format: x }
  - id: fails
    type: core.Parallel
    tasks:
      - { id: boom, type: io.kestra.plugin.core.execution.Fail }
`);
    expect(r.execution.state.current).toBe("FAILED");
    const attempts = (taskId: string) => r.runs(taskId)[0].attempts.map((a) => a.state.current);
    expect(attempts("seq")).toEqual(["SUCCESS"]);
    expect(attempts("check")).toEqual(["SUCCESS"]);
    expect(attempts("empty")).toEqual([]);
    expect(attempts("fails")).toEqual(["FAILED"]);
    expect(r.runs("seq")[0].attempts[0].state.histories.map((h) => h.state)).toEqual(["RUNNING", "SUCCESS"]);
  });

  it("a failing branch fails its flowable and the execution; later tasks do not run", async () => {
    const r = await h.run(`
id: par-fail
namespace: test.engine
tasks:
  - id: fan
    type: core.Parallel
    tasks:
      - { id: ok, type: core.Log, message: fine }
      - { id: bad, type: core.Fail, errorMessage: branch broke }
  - id: never
    type: core.Log
    message: never
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("fan")).toBe("FAILED");
    expect(r.runs("never")).toHaveLength(0);
    expect(r.messages()).toContain("branch broke");
  });

  it("Subflow waits for the child and exposes its state and typed outputs", async () => {
    await h.deploy(`
id: child
namespace: test.engine
inputs:
  - { id: n, type: INT }
tasks:
  - { id: double, type: core.Return, format: "{{ inputs.n * 2 }}" }
outputs:
  - { id: doubled, type: INT, value: "{{ outputs.double.value }}" }
`);
    const r = await h.run(`
id: parent
namespace: test.engine
tasks:
  - id: call
    type: core.Subflow
    namespace: test.engine
    flowId: child
    inputs:
      n: 21
  - id: use
    type: core.Return
    format: "{{ outputs.call.outputs.doubled }} {{ outputs.call.state }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("use")).toEqual({ value: "42 SUCCESS" });
    const call = (await r.outputs("call")) as { executionId: string; outputs: unknown };
    expect(call.outputs).toEqual({ doubled: 42 });
    const child = await h.repository.getExecution(call.executionId);
    expect(child?.execution.parent?.executionId).toBe(r.execution.id);
  });

  it("Subflow transmits a child's failure unless transmitFailed is false; wait: false returns at once", async () => {
    await h.deploy(`
id: failing-child
namespace: test.engine
tasks:
  - { id: boom, type: core.Fail, errorMessage: child broke }
`);
    const failed = await h.run(`
id: parent-fails
namespace: test.engine
tasks:
  - { id: call, type: core.Subflow, namespace: test.engine, flowId: failing-child }
`);
    expect(failed.execution.state.current).toBe("FAILED");
    const tolerant = await h.run(`
id: parent-tolerant
namespace: test.engine
tasks:
  - { id: call, type: core.Subflow, namespace: test.engine, flowId: failing-child, transmitFailed: false }
`);
    expect(tolerant.execution.state.current).toBe("SUCCESS");
    expect(((await tolerant.outputs("call")) as { state: string }).state).toBe("FAILED");
    const fireAndForget = await h.run(`
id: parent-nowait
namespace: test.engine
tasks:
  - { id: call, type: core.Subflow, namespace: test.engine, flowId: failing-child, wait: false }
`);
    expect(fireAndForget.execution.state.current).toBe("SUCCESS");
    expect(Object.keys((await fireAndForget.outputs("call")) as object)).toEqual(["executionId"]);
  });

  it("Subflow of an unknown flow fails the task with a clear message", async () => {
    const r = await h.run(`
id: parent-missing
namespace: test.engine
tasks:
  - { id: call, type: core.Subflow, namespace: test.engine, flowId: nope }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.messages().join("\n")).toMatch(/flow test.engine.nope not found/);
  });
});
