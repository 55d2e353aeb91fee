import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defineTask, definePlugin, z, type TaskRunRecord } from "@ferry/sdk";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { jobsChannel } from "../messages.js";
import { setCreationSlice } from "./creation-slice.js";
import { setSliceBacklogBound } from "./slice-pacing.js";

/**
 * Issue #18.1: a flowable's slices of new task runs are paced by the backlog (slice-pacing.ts): the
 * next slice waits while its jobs' channel and the executor's hold the bound. A ForEach with no
 * concurrency limit over 100,000 values had all its slices made within a few events, and the queue
 * held ~100,000 jobs. Kestra creates them in one pass; the records and the outcome are the same.
 */
let gate: { open: () => void; opened: Promise<void> };
const closeGate = () => {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  gate = { open, opened };
};
/** a task that holds its worker slot until the test opens the gate: jobs then wait in the queue */
const gateTask = defineTask({
  kind: "runnable",
  type: "test.Gate",
  title: "Wait for the test's gate",
  description: "Holds a worker slot until the test opens its gate.",
  properties: z.strictObject({}),
  async run() {
    await gate.opened;
    return { passed: true };
  },
});

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness([definePlugin({ name: "pacing-test", version: "0", tasks: [gateTask] })])));
afterAll(async () => h.close());

const gated = (id: string, n: number) => `
id: ${id}
namespace: test.engine.pacing
tasks:
  - id: each
    type: core.ForEach
    values: "{{ range(1, ${n}) }}"
    concurrencyLimit: 0
    tasks:
      - id: wait
        type: test.Gate
  - id: last
    type: core.Return
    format: "{{ outputs.wait | length }}"
`;

const waits = async (id: string) => (await h.repository.getExecution(id))!.taskRuns.filter((run) => run.taskId === "wait");

/** with a slice of 100 and a backlog bound of 50; counts per save the task runs it carries that no save carried before, and the jobs channel's depth after each job sent */
async function paced<T>(work: (seen: { fresh: number[]; deepest: () => number }) => Promise<T>): Promise<T> {
  const slice = setCreationSlice(100);
  const bound = setSliceBacklogBound(50);
  const save = h.repository.saveExecution.bind(h.repository);
  const send = h.queue.send.bind(h.queue);
  const known = new Set<string>();
  const fresh: number[] = [];
  let deepest = 0;
  const insert = h.repository.insertExecution.bind(h.repository);
  const count = (runs: TaskRunRecord[] = []) => {
    const added = runs.filter((run) => !known.has(run.id));
    for (const run of added) known.add(run.id);
    if (added.length) fresh.push(added.length);
  };
  h.repository.saveExecution = async (execution, runs?: TaskRunRecord[], options?) => {
    count(runs);
    return save(execution, runs, options);
  };
  // a new execution's first save is its insert (ExecutionService.create hands it to the executor)
  h.repository.insertExecution = async (execution, runs?: TaskRunRecord[]) => {
    count(runs);
    return insert(execution, runs);
  };
  h.queue.send = async (channel, message, options) => {
    await send(channel, message, options);
    if (channel === jobsChannel("default")) deepest = Math.max(deepest, await h.queue.depth!(channel));
  };
  try {
    return await work({ fresh, deepest: () => deepest });
  } finally {
    h.repository.saveExecution = save;
    h.repository.insertExecution = insert;
    h.queue.send = send;
    setCreationSlice(slice);
    setSliceBacklogBound(bound);
  }
}

describe("a flowable's slices are paced by the jobs that still wait", () => {
  it("the next slice waits while a slice of jobs waits for the worker, and starts once they are taken; the records are those of one pass", async () => {
    closeGate();
    await paced(async ({ fresh, deepest }) => {
      const flow = await h.deploy(gated("pacing_gate", 500));
      const { id } = await h.executions.create({ flow, inputs: {} });
      // the first slice (the ForEach's run and 99 values) is made, its jobs queued behind the 8 the worker holds at the gate
      await h.waitFor(id, () => fresh.length >= 1);
      const deadline = Date.now() + 20_000;
      while ((await waits(id)).filter((run) => run.state.current === "RUNNING").length < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // held: the continues that come find the backlog full (several pace periods)
      await new Promise((r) => setTimeout(r, 500));
      expect(await waits(id)).toHaveLength(99);
      gate.open();
      const end = await h.waitFor(id, (e) => e.state.current === "SUCCESS" || e.state.current === "FAILED", 120_000);
      expect(end.execution.state.current).toBe("SUCCESS");
      const r = await h.result(id);
      expect(r.runs("wait")).toHaveLength(500);
      expect(new Set(r.runs("wait").map((run) => run.value)).size).toBe(500);
      expect(r.runs("wait").every((run) => run.state.current === "SUCCESS")).toBe(true);
      expect(await r.outputs("last")).toEqual({ value: "500" });
      // no save made more than a slice; the jobs waiting never passed the bound and a slice
      expect(Math.max(...fresh)).toBeLessThanOrEqual(100);
      expect(deepest()).toBeLessThan(150);
    });
  }, 300_000);

  it("a held execution is carried on by the reconcile at start (a process that died: its queue and timers gone), and ends as in one pass", async () => {
    closeGate();
    await paced(async ({ fresh }) => {
      const flow = await h.deploy(gated("pacing_reconcile", 300));
      const { id } = await h.executions.create({ flow, inputs: {} });
      await h.waitFor(id, () => fresh.length >= 1);
      await new Promise((r) => setTimeout(r, 300));
      expect(await waits(id)).toHaveLength(99);
      // what a restarted process does first: the execution read from the repository gets its slice, whatever the queue holds
      await h.executor.reconcile();
      expect(await waits(id)).toHaveLength(199);
      gate.open();
      await h.waitFor(id, (e) => e.state.current === "SUCCESS", 120_000);
      const r = await h.result(id);
      expect(r.runs("wait")).toHaveLength(300);
      expect(new Set(r.runs("wait").map((run) => run.value)).size).toBe(300);
      expect(await r.outputs("last")).toEqual({ value: "300" });
    });
  }, 300_000);
});
