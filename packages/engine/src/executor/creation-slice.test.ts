import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TaskRunRecord } from "@ferry/sdk";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { EXECUTOR_CHANNEL, type ExecutorEvent } from "../messages.js";
import { setCreationSlice } from "./creation-slice.js";

/**
 * Issue #18.1: a flowable starts at most a slice of task runs in one event (creation-slice.ts),
 * the rest in the events after it, which the executor sends itself (`continue`). A ForEach with
 * no concurrency limit over 100,000 values created, saved and queued them all in one event.
 * Kestra creates them in one pass (FlowableUtils.resolveParallelNexts, concurrency 0): the
 * records and the outcome are what its ForEachTest expects either way, only later for the last values.
 */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

const forEach = (id: string, n: number) => `
id: ${id}
namespace: test.engine.slice
tasks:
  - id: each
    type: core.ForEach
    values: "{{ range(1, ${n}) }}"
    concurrencyLimit: 0
    tasks:
      - id: ret
        type: core.Return
        format: "v{{ taskrun.value }}"
      - id: echo
        type: core.Return
        format: "{{ outputs.ret[taskrun.value].value }}"
  - id: last
    type: core.Return
    format: "{{ outputs.ret | length }} {{ outputs.echo['7'].value }} {{ outputs.echo['${n}'].value }}"
`;

/** runs the flow with the slice given, counting per save the task runs it carries that no save carried before */
async function sliced(source: string, slice: number) {
  const before = setCreationSlice(slice);
  const save = h.repository.saveExecution.bind(h.repository);
  const insert = h.repository.insertExecution.bind(h.repository);
  const seen = new Set<string>();
  const fresh: number[] = [];
  const count = (runs: TaskRunRecord[] = []) => {
    fresh.push(runs.filter((run) => !seen.has(run.id)).length);
    for (const run of runs) seen.add(run.id);
  };
  h.repository.saveExecution = async (execution, runs?: TaskRunRecord[], options?) => (count(runs), save(execution, runs, options));
  // a new execution's first save is its insert
  h.repository.insertExecution = async (execution, runs?: TaskRunRecord[]) => (count(runs), insert(execution, runs));
  try {
    const r = await h.run(source, {}, 300_000);
    return { r, fresh: fresh.filter((n) => n > 0) };
  } finally {
    h.repository.saveExecution = save;
    h.repository.insertExecution = insert;
    setCreationSlice(before);
  }
}

describe("a flowable starts its branches a slice per event", () => {
  it("a ForEach over 1,200 values with no concurrency limit, 500 a slice: no save carries more than a slice of new runs, and it ends as in one event", async () => {
    const whole = await sliced(forEach("slice_whole", 1200), 20_000);
    const parts = await sliced(forEach("slice_parts", 1200), 500);
    // in one event the 1,200 ret runs (and the ForEach's) were one save
    expect(Math.max(...whole.fresh)).toBeGreaterThanOrEqual(1201);
    // in slices: 500 ret runs, and the echo runs a fold of results starts beside them (at most 32)
    expect(Math.max(...parts.fresh)).toBeLessThanOrEqual(500 + 32 + 1);
    for (const { r } of [whole, parts]) {
      expect(r.execution.state.current).toBe("SUCCESS");
      expect(r.runs("ret")).toHaveLength(1200);
      expect(new Set(r.runs("ret").map((run) => run.value)).size).toBe(1200);
      expect(r.runs("echo").every((run) => run.state.current === "SUCCESS")).toBe(true);
      expect(await r.outputs("last")).toEqual({ value: "1200 v7 v1200" });
    }
  }, 600_000);

  const skipped = (id: string) => `
id: ${id}
namespace: test.engine.slice
tasks:
  - id: each
    type: core.ForEach
    values: "{{ range(1, 1200) }}"
    concurrencyLimit: 0
    tasks:
      - id: never
        type: core.Return
        runIf: false
        format: x
`;

  it("the next slice starts on the executor's own continue, with no result to come (every run SKIPPED at once)", async () => {
    const { r, fresh } = await sliced(skipped("slice_skipped"), 500);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("never")).toHaveLength(1200);
    expect(r.runs("never").every((run) => run.state.current === "SKIPPED")).toBe(true);
    expect(fresh.length).toBeGreaterThanOrEqual(3);
  }, 300_000);

  it("a continue lost (a process that died after the save) is made again by the reconcile at start", async () => {
    const before = setCreationSlice(500);
    const send = h.queue.send.bind(h.queue);
    let dropped = 0;
    h.queue.send = async (channel, message, options) => {
      if (channel === EXECUTOR_CHANNEL && (message as ExecutorEvent).type === "continue" && dropped === 0) {
        dropped++;
        return;
      }
      return send(channel, message, options);
    };
    try {
      const flow = await h.deploy(skipped("slice_lost"));
      const { id } = await h.executions.create({ flow, inputs: {} });
      // the first slice saved, then nothing: the continue that would start the next never came
      await h.waitFor(id, () => dropped === 1);
      await new Promise((r) => setTimeout(r, 300));
      const stalled = (await h.repository.getExecution(id))!;
      expect(stalled.execution.state.current).toBe("RUNNING");
      // a slice counts every run the event created: the ForEach's own and 499 of its values
      expect(stalled.taskRuns.filter((run) => run.taskId === "never")).toHaveLength(499);
      await h.executor.reconcile();
      await h.waitFor(id, (e) => e.state.current === "SUCCESS", 60_000);
      const r = await h.result(id);
      expect(r.runs("never")).toHaveLength(1200);
      expect(new Set(r.runs("never").map((run) => run.value)).size).toBe(1200);
    } finally {
      h.queue.send = send;
      setCreationSlice(before);
    }
  }, 120_000);
});
