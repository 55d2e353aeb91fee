import { isTerminal } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness, type RunResult } from "./engine.test-support.js";
import { keptTaskRuns } from "./replay.js";

// Kestra's ExecutionServiceTest replay* methods, on flows shaped as its flows/valids ones: a replay from a
// task run keeps every task run but that one's successors in the flow's graph (GraphUtils.successors),
// worked out per task. Kestra's counts include the target, kept RUNNING (a flowable, its history going on)
// or RESTARTED (a runnable), as Ferry keeps it (ExecutionService.mapTaskRun).

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

const PARALLEL_NESTED = `
id: parallel-nested
namespace: test.replay
tasks:
  - id: 1_par
    type: core.Parallel
    tasks:
      - { id: 1-1, type: core.Return, format: "{{ task.id }} > {{ taskrun.id }}" }
      - { id: 1-2, type: core.Return, format: "{{ task.id }} > {{ taskrun.id }}" }
      - id: 1-3_par
        type: core.Parallel
        tasks:
          - { id: 1-3-1, type: core.Return, format: "{{ task.id }} > {{ taskrun.id }}" }
          - id: 1-3-2_par
            type: core.Sequential
            tasks:
              - { id: 1-3-2-1, type: core.Return, format: "{{ task.id }} > {{ taskrun.id }}" }
              - { id: 1-3-2-2_end, type: core.Return, format: "{{ task.id }} > {{ taskrun.id }}" }
          - { id: 1-3-3_end, type: core.Return, format: "{{ task.id }} > {{ taskrun.id }}" }
      - { id: 1-4_end, type: core.Return, format: "{{ task.id }} > {{ taskrun.id }}" }
  - { id: 2_end, type: core.Return, format: "{{ task.id }} > {{ taskrun.id }}" }
`;

const EACH_SEQUENTIAL_NESTED = `
id: each-sequential-nested
namespace: test.replay
tasks:
  - id: 1_each
    type: core.EachSequential
    value: '["s1", "s2", "s3"]'
    tasks:
      - { id: 1-1_return, type: core.Return, format: "{{ task.id }} > {{ taskrun.value }} > {{ taskrun.id }}" }
      - id: 1-2_each
        type: core.EachSequential
        value: '["a a", "b"]'
        tasks:
          - { id: 1-2-1_return, type: core.Return, format: "{{ task.id }} > {{ taskrun.value }} > {{ taskrun.id }}" }
          - { id: 1-2-2_return, type: core.Return, format: "{{ task.id }} > {{ taskrun.value }} > {{ taskrun.id }}" }
      - { id: 1-3_return, type: core.Return, format: "{{ task.id }} > {{ taskrun.value }} > {{ taskrun.id }}" }
  - { id: 2_return, type: core.Return, format: "{{ task.id }} > {{ taskrun.id }}" }
`;

const EACH_PARALLEL_NESTED = `
id: each-parallel-nested
namespace: test.replay
tasks:
  - id: 1_each
    type: core.EachParallel
    value: '["value 1", "value 2", "value 3"]'
    tasks:
      - id: 2-1_seq
        type: core.Sequential
        tasks:
          - { id: 2-1-1_t1, type: core.Return, format: "{{ task.id }} > {{ parents[0].taskrun.value }} > {{ taskrun.id }}" }
          - { id: 2-1-2_t2, type: core.Return, format: "{{ task.id }} > {{ parents[0].taskrun.value }} > {{ taskrun.id }}" }
  - { id: 2_end, type: core.Return, format: "{{ task.id }} > {{ taskrun.id }}" }
`;

/** the run of `taskId` whose value path (its own value and its parents', outermost first) is `values` */
function runOf(r: Pick<RunResult, "taskRuns">, taskId: string, values: string[]) {
  const byId = new Map(r.taskRuns.map((t) => [t.id, t]));
  const path = (id: string | undefined): string[] => {
    const t = id ? byId.get(id) : undefined;
    return t ? [...path(t.parentTaskRunId), ...(t.value !== undefined ? [t.value] : [])] : [];
  };
  const found = r.taskRuns.filter((t) => t.taskId === taskId && JSON.stringify(path(t.id)) === JSON.stringify(values));
  expect(found).toHaveLength(1);
  return found[0]!;
}

const label = (r: Pick<RunResult, "taskRuns">, id: string) => {
  const t = r.taskRuns.find((x) => x.id === id)!;
  return `${t.taskId}${t.value !== undefined ? `[${t.value}]` : ""}`;
};

/** replays `source` from `from`: the runs kept (by label, with their states), then the replay run to its end */
async function replay(source: RunResult, from: string) {
  const flow = await h.flows.get(source.execution.namespace, source.execution.flowId);
  const kept = keptTaskRuns(source, from, "check", flow);
  const keptBy = new Map([...kept.ids].map(([old, copy]) => [copy, old]));
  const keptLabels = kept.runs.map((r) => `${label(source, keptBy.get(r.id)!)}:${r.state.current}`).sort();
  // the history each kept flowable goes on with, against its source's (Kestra's withState(RUNNING) appends)
  const histories = new Map(kept.runs.map((r) => [label(source, keptBy.get(r.id)!), { before: source.taskRuns.find((t) => t.id === keptBy.get(r.id))!.state.histories.map((x) => x.state), now: r.state.histories.map((x) => x.state) }]));
  const started = await h.executions.replay(source, flow, from);
  await h.waitFor(started.id, (e) => isTerminal(e.state.current));
  const done = await h.result(started.id);
  return { keptLabels, histories, done };
}

/** the outputs of every run, by task id and value path */
async function outputsByRun(r: RunResult): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  const byId = new Map(r.taskRuns.map((t) => [t.id, t]));
  const path = (id: string | undefined): string => {
    const t = id ? byId.get(id) : undefined;
    return t ? `${path(t.parentTaskRunId)}/${t.taskId}${t.value !== undefined ? `[${t.value}]` : ""}` : "";
  };
  for (const t of r.taskRuns) if (t.outputsUri) out.set(path(t.id), await h.store.read(t.outputsUri));
  return out;
}

/** which runs of the replay carry the source's outputs (kept) and which made new ones (ran again) */
async function carried(source: RunResult, done: RunResult) {
  const before = await outputsByRun(source);
  const after = await outputsByRun(done);
  const same: string[] = [];
  const again: string[] = [];
  for (const [path, value] of after) (JSON.stringify(before.get(path)) === JSON.stringify(value) ? same : again).push(path);
  return { same: same.sort(), again: again.sort() };
}

describe("replay from a task run keeps what Kestra keeps (ExecutionServiceTest replay*)", () => {
  it("replayParallel: from 1-3-2_par, the parallel siblings keep their runs (Kestra: 11 runs, 8 at replay with the target RUNNING)", async () => {
    const source = await h.run(PARALLEL_NESTED);
    expect(source.execution.state.current).toBe("SUCCESS");
    expect(source.taskRuns).toHaveLength(11);
    const { keptLabels, histories, done } = await replay(source, runOf(source, "1-3-2_par", []).id);
    expect(keptLabels).toEqual(["1-1:SUCCESS", "1-2:SUCCESS", "1-3-1:SUCCESS", "1-3-2_par:RUNNING", "1-3-3_end:SUCCESS", "1-3_par:RUNNING", "1-4_end:SUCCESS", "1_par:RUNNING"]);
    expect(keptLabels.length).toBe(8);
    // the target's history goes on: CREATED, RUNNING, SUCCESS, RUNNING (Kestra: hasSize(4))
    expect(histories.get("1-3-2_par")).toEqual({ before: ["CREATED", "RUNNING", "SUCCESS"], now: ["CREATED", "RUNNING", "SUCCESS", "RUNNING"] });
    expect(histories.get("1_par")!.now).toEqual([...histories.get("1_par")!.before, "RUNNING"]);
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(done.taskRuns).toHaveLength(11);
    expect(done.execution.labels["system.replay"]).toBe("true");
    const { same, again } = await carried(source, done);
    expect(same).toEqual(["/1_par/1-1", "/1_par/1-2", "/1_par/1-3_par/1-3-1", "/1_par/1-3_par/1-3-3_end", "/1_par/1-4_end"]);
    expect(again).toEqual(["/1_par/1-3_par/1-3-2_par/1-3-2-1", "/1_par/1-3_par/1-3-2_par/1-3-2-2_end", "/2_end"]);
  });

  it("replayEachSeq: from 1-2_each s1, the first task's other values stay (Kestra: 23 runs, 5 at replay with the target RUNNING)", async () => {
    const source = await h.run(EACH_SEQUENTIAL_NESTED);
    expect(source.execution.state.current).toBe("SUCCESS");
    expect(source.taskRuns).toHaveLength(23);
    const { keptLabels, done } = await replay(source, runOf(source, "1-2_each", ["s1"]).id);
    expect(keptLabels).toEqual(["1-1_return[s1]:SUCCESS", "1-1_return[s2]:SUCCESS", "1-1_return[s3]:SUCCESS", "1-2_each[s1]:RUNNING", "1_each:RUNNING"]);
    expect(keptLabels.length).toBe(5);
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(done.taskRuns).toHaveLength(23);
    const { same, again } = await carried(source, done);
    expect(same).toEqual(["/1_each/1-1_return[s1]", "/1_each/1-1_return[s2]", "/1_each/1-1_return[s3]"]);
    // every other Return run made its output again: 12 in 1-2_each, 3 of 1-3_return, 2_return
    expect(again).toHaveLength(16);
  });

  it("replayEachSeq2: from 1-2-1_return s1/a a, its parents RUNNING (Kestra: 23 runs, 6 at replay with the target RESTARTED)", async () => {
    const source = await h.run(EACH_SEQUENTIAL_NESTED);
    const { keptLabels, done } = await replay(source, runOf(source, "1-2-1_return", ["s1", "a a"]).id);
    // the target, a runnable, is kept RESTARTED as Kestra's mapTaskRun keeps it (its next attempt to come)
    expect(keptLabels).toEqual(["1-1_return[s1]:SUCCESS", "1-1_return[s2]:SUCCESS", "1-1_return[s3]:SUCCESS", "1-2-1_return[a a]:RESTARTED", "1-2_each[s1]:RUNNING", "1_each:RUNNING"]);
    expect(keptLabels.length).toBe(6);
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(done.taskRuns).toHaveLength(23);
    expect((await carried(source, done)).same).toEqual(["/1_each/1-1_return[s1]", "/1_each/1-1_return[s2]", "/1_each/1-1_return[s3]"]);
  });

  it("replayEachPara: from 2-1_seq value 1, the other values keep their runs (Kestra: 11 runs, 8 at replay with the target RUNNING)", async () => {
    const source = await h.run(EACH_PARALLEL_NESTED);
    expect(source.execution.state.current).toBe("SUCCESS");
    expect(source.taskRuns).toHaveLength(11);
    const { keptLabels, histories, done } = await replay(source, runOf(source, "2-1_seq", ["value 1"]).id);
    expect(histories.get("1_each")).toEqual({ before: ["CREATED", "RUNNING", "SUCCESS"], now: ["CREATED", "RUNNING", "SUCCESS", "RUNNING"] });
    expect(keptLabels).toEqual([
      "1_each:RUNNING",
      "2-1-1_t1:SUCCESS",
      "2-1-1_t1:SUCCESS",
      "2-1-2_t2:SUCCESS",
      "2-1-2_t2:SUCCESS",
      "2-1_seq[value 1]:RUNNING",
      "2-1_seq[value 2]:SUCCESS",
      "2-1_seq[value 3]:SUCCESS",
    ]);
    expect(keptLabels.length).toBe(8);
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(done.taskRuns).toHaveLength(11);
    const { same, again } = await carried(source, done);
    expect(same).toEqual(["/1_each/2-1_seq[value 2]/2-1-1_t1", "/1_each/2-1_seq[value 2]/2-1-2_t2", "/1_each/2-1_seq[value 3]/2-1-1_t1", "/1_each/2-1_seq[value 3]/2-1-2_t2"]);
    expect(again).toEqual(["/1_each/2-1_seq[value 1]/2-1-1_t1", "/1_each/2-1_seq[value 1]/2-1-2_t2", "/2_end"]);
  });
});

// the newest ExecutionServiceTest replays Kestra's foreach-nested.yaml and foreach-concurrent-no-limit.yaml
const FOREACH_NESTED = `
id: foreach-nested
namespace: test.replay
tasks:
  - id: each0
    type: core.ForEach
    values: ["l1", "l2"]
    tasks:
      - id: each1
        type: core.ForEach
        concurrencyLimit: 0
        values: ["d1", "d2", "d3"]
        tasks:
          - { id: p1, type: core.Return, format: "{{ parent.taskrun.value }}-{{ taskrun.value }}" }
          - { id: p2, type: core.Return, format: "{{ outputs.p1[parent.taskrun.value][taskrun.value].value }}" }
  - { id: test, type: core.Return, format: "{{ outputs.p1 }}" }
`;

describe("replay inside a ForEach, drawn sequential whatever its concurrencyLimit (ForEach.tasksTree)", () => {
  it("replayEachSeq: from each1 l1, a flowable kept RUNNING, its history going on (Kestra: 2 runs at replay, hasSize(4))", async () => {
    const source = await h.run(FOREACH_NESTED);
    expect(source.taskRuns).toHaveLength(16);
    const { keptLabels, histories, done } = await replay(source, runOf(source, "each1", ["l1"]).id);
    expect(keptLabels).toEqual(["each0:RUNNING", "each1[l1]:RUNNING"]);
    expect(histories.get("each1[l1]")!.now).toEqual(["CREATED", "RUNNING", "SUCCESS", "RUNNING"]);
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(done.taskRuns).toHaveLength(16);
  });

  it("replayEachSeq2: from p1 l1/d1 of a ForEach with concurrencyLimit 0, the other values' runs go too (Kestra: 3 runs at replay)", async () => {
    const source = await h.run(FOREACH_NESTED);
    const { keptLabels, done } = await replay(source, runOf(source, "p1", ["l1", "d1"]).id);
    expect(keptLabels).toEqual(["each0:RUNNING", "each1[l1]:RUNNING", "p1[d1]:RESTARTED"]);
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(done.taskRuns).toHaveLength(16);
    expect(await done.outputs("test")).toEqual({ value: JSON.stringify({ l1: { d1: { value: "l1-d1" }, d2: { value: "l1-d2" }, d3: { value: "l1-d3" } }, l2: { d1: { value: "l2-d1" }, d2: { value: "l2-d2" }, d3: { value: "l2-d3" } } }) });
  });
});

describe("replay's kept runs in a Dag and a WorkingDirectory", () => {
  it("in a Dag drops the tasks that wait for the target, keeps the others; in a WorkingDirectory the whole directory runs again", async () => {
    const source = await h.run(`
id: dag-and-directory
namespace: test.replay
tasks:
  - id: dag
    type: core.Dag
    tasks:
      - task: { id: a, type: core.Return, format: a }
      - task: { id: b, type: core.Return, format: b }
        dependsOn: [a]
      - task: { id: c, type: core.Return, format: c }
      - task: { id: d, type: core.Return, format: d }
        dependsOn: [b]
  - id: dir
    type: core.WorkingDirectory
    tasks:
      - { id: w1, type: core.Return, format: w1 }
      - { id: w2, type: core.Return, format: w2 }
  - { id: last, type: core.Return, format: last }
`);
    expect(source.execution.state.current).toBe("SUCCESS");
    const flow = await h.flows.get("test.replay", "dag-and-directory");
    const kept = (from: string) => {
      const { runs, ids } = keptTaskRuns(source, runOf(source, from, []).id, "check", flow);
      const old = new Map([...ids].map(([o, n]) => [n, o]));
      return runs.map((r) => `${label(source, old.get(r.id)!)}:${r.state.current}`).sort();
    };
    // b waits for a, d for b: from b, d goes; a and c stay; dir and last come after the Dag
    expect(kept("b")).toEqual(["a:SUCCESS", "b:RESTARTED", "c:SUCCESS", "dag:RUNNING"]);
    // from w2 the directory runs again whole (RESTARTED, as Kestra's mapTaskRun makes a WorkingDirectory): w1 goes too
    expect(kept("w2")).toEqual(["a:SUCCESS", "b:SUCCESS", "c:SUCCESS", "d:SUCCESS", "dag:SUCCESS", "dir:RESTARTED"]);
    const started = await h.executions.replay(source, flow, runOf(source, "b", []).id);
    const done = await h.waitFor(started.id, (e) => isTerminal(e.state.current));
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(done.taskRuns.map((t) => t.taskId).sort()).toEqual(source.taskRuns.map((t) => t.taskId).sort());
  });
});

describe("replay keeps the errors branch's runs as Kestra's GraphUtils.successors does", () => {
  const FLOW = `
id: replay-errors
namespace: test.replay
tasks:
  - { id: a, type: core.Return, format: a }
  - { id: b, type: core.Fail }
errors:
  - { id: e, type: core.Return, format: "handled {{ taskrun.id }}" }
`;

  it("from a later task the errors runs stay (not successors: they hang off the flow's root), and are not run again", async () => {
    const source = await h.run(FLOW);
    expect(source.execution.state.current).toBe("FAILED");
    expect(source.taskRuns.map((t) => t.taskId).sort()).toEqual(["a", "b", "e"]);
    const { keptLabels, done } = await replay(source, runOf(source, "b", []).id);
    expect(keptLabels).toEqual(["a:SUCCESS", "b:RESTARTED", "e:SUCCESS"]);
    expect(done.execution.state.current).toBe("FAILED");
    expect(done.taskRuns.map((t) => t.taskId).sort()).toEqual(["a", "b", "e"]);
    // e kept its output: it did not run again
    expect((await carried(source, done)).same).toEqual(["/a", "/e"]);
  });

  it("from the first task (the root leads to it, and to the errors branch) the errors runs go and run again", async () => {
    const source = await h.run(FLOW);
    const { keptLabels, done } = await replay(source, runOf(source, "a", []).id);
    expect(keptLabels).toEqual(["a:RESTARTED"]);
    expect(done.execution.state.current).toBe("FAILED");
    expect(done.taskRuns.map((t) => t.taskId).sort()).toEqual(["a", "b", "e"]);
    expect((await carried(source, done)).again).toEqual(["/e"]);
  });
});
