import { isTerminal, type TaskRunRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import type { ExecutorEvent, WorkerJob } from "../messages.js";

/**
 * Results of one execution that wait in the queue together are folded into one save
 * (Executor.handleFolded, issue #18.1): the same results, handled one by one in a twin
 * execution, must leave the same records — the fold changes how often the execution is saved,
 * never what is saved. No worker runs here: the jobs are caught as the executor sends them and
 * their results are made up, so that both executions get exactly the same ones.
 */
let h: EngineHarness;
const jobs = new Map<string, WorkerJob[]>();
let saves = new Map<string, number>();

beforeAll(async () => {
  h = await createEngineHarness();
  await h.worker.stop();
  const send = h.queue.send.bind(h.queue);
  h.queue.send = async (channel, message, options) => {
    if (!channel.startsWith("jobs.")) return send(channel, message, options);
    const job = message as WorkerJob;
    jobs.set(job.executionId, [...(jobs.get(job.executionId) ?? []), job]);
  };
  const save = h.repository.saveExecution.bind(h.repository);
  h.repository.saveExecution = async (execution, ...rest) => {
    saves.set(execution.id, (saves.get(execution.id) ?? 0) + 1);
    return save(execution, ...rest);
  };
});
afterAll(async () => h.close());

const FLOW = `
id: fold
namespace: test.engine.fold
tasks:
  - id: each
    type: core.ForEach
    values: ["a", "b", "c", "d"]
    concurrencyLimit: 0
    tasks:
      - id: ret
        type: core.Return
        format: "{{ taskrun.value }}"
  - id: after
    type: core.Return
    format: done
`;

const result = (job: WorkerJob, state: "SUCCESS" | "FAILED"): ExecutorEvent => {
  const date = new Date().toISOString();
  return { type: "result", executionId: job.executionId, taskRunId: job.taskRunId, attempt: job.attempt, state, startDate: date, date, workerId: "w-test" };
};

async function started(): Promise<string> {
  const flow = await h.deploy(FLOW);
  const { id } = await h.executions.create({ flow, inputs: {} });
  for (let i = 0; i < 2000 && (jobs.get(id)?.length ?? 0) < 4; i++) await new Promise((r) => setTimeout(r, 10));
  expect(jobs.get(id)).toHaveLength(4);
  return id;
}

/** what a run is, without its ids and dates: the task, its value, the states it went through, per attempt */
const shape = (runs: TaskRunRecord[]) =>
  runs
    .map((r) => ({ taskId: r.taskId, value: r.value, states: r.state.histories.map((x) => x.state), attempts: r.attempts.map((a) => a.state.histories.map((x) => x.state)) }))
    .sort((a, b) => `${a.taskId}/${a.value}`.localeCompare(`${b.taskId}/${b.value}`));

describe("results folded into one save", () => {
  for (const outcome of ["SUCCESS", "FAILED"] as const) {
    it(`leaves the records the same results leave one by one (second result ${outcome})`, async () => {
      const folded = await started();
      const single = await started();
      const states = ["SUCCESS", outcome, "SUCCESS", "SUCCESS"] as const;
      saves = new Map();
      const foldedResults = jobs.get(folded)!.map((job, i) => result(job, states[i]));
      await h.executor.handleFolded(foldedResults);
      for (const [i, job] of jobs.get(single)!.entries()) await h.executor.handle(result(job, states[i]));
      // one save for the four results, against one each
      expect(saves.get(folded)).toBe(1);
      expect(saves.get(single)).toBe(4);
      const a = (await h.repository.getExecution(folded))!;
      const b = (await h.repository.getExecution(single))!;
      expect(a.execution.state.current).toBe(b.execution.state.current);
      expect(a.execution.state.histories.map((x) => x.state)).toEqual(b.execution.state.histories.map((x) => x.state));
      expect(shape(a.taskRuns)).toEqual(shape(b.taskRuns));
      // what the walks asked for is sent once the fold is saved: `after`'s job when all succeeded, none after a failure
      expect(jobs.get(folded)!.slice(4).map((j) => j.task.id)).toEqual(jobs.get(single)!.slice(4).map((j) => j.task.id));
      expect(jobs.get(folded)!.slice(4).map((j) => j.task.id)).toEqual(outcome === "SUCCESS" ? ["after"] : []);
      if (outcome === "FAILED") expect(isTerminal(a.execution.state.current)).toBe(true);
    });
  }

  it("stops at a result that does not apply as it stands and hands it over, as one event, with those after it", async () => {
    const folded = await started();
    const single = await started();
    const [first, second] = jobs.get(folded)!;
    saves = new Map();
    // the second result twice: the duplicate is refused by the event that handles it alone, and the rest go on
    await h.executor.handleFolded([result(first, "SUCCESS"), result(second, "SUCCESS"), result(second, "SUCCESS"), ...jobs.get(folded)!.slice(2).map((j) => result(j, "SUCCESS"))]);
    const [f1, f2] = jobs.get(single)!;
    for (const event of [result(f1, "SUCCESS"), result(f2, "SUCCESS"), result(f2, "SUCCESS"), ...jobs.get(single)!.slice(2, 4).map((j) => result(j, "SUCCESS"))]) await h.executor.handle(event);
    // the first two folded (one save), then the duplicate alone (no save) and the last two one by one
    expect(saves.get(folded)).toBeLessThan(saves.get(single)!);
    const a = (await h.repository.getExecution(folded))!;
    const b = (await h.repository.getExecution(single))!;
    expect(shape(a.taskRuns)).toEqual(shape(b.taskRuns));
    expect(a.execution.state.histories.map((x) => x.state)).toEqual(b.execution.state.histories.map((x) => x.state));
    expect(a.taskRuns.filter((r) => r.taskId === "ret").every((r) => r.state.current === "SUCCESS" && r.attempts.length === 1)).toBe(true);
  });
});

describe("the memory queue's following messages", () => {
  it("hands a key's waiting messages to the delivery in order, while accepted, and the others on their own", async () => {
    const seen: Array<{ first: string; more: string[] }> = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sub = await h.queue.consume<string>(
      "fold-test",
      async (message, delivery) => {
        if (message === "k1") await gate; // holds the key while the others arrive
        const more = (delivery.following?.((m) => String(m).startsWith("k"), 2) ?? []) as string[];
        seen.push({ first: message, more });
      },
      { concurrency: 4 },
    );
    for (const m of ["k1", "k2", "k3", "k4", "x5", "k6"]) await h.queue.send("fold-test", m, { key: "one" });
    await new Promise((r) => setTimeout(r, 20));
    release();
    for (let i = 0; i < 200 && seen.flatMap((s) => [s.first, ...s.more]).length < 6; i++) await new Promise((r) => setTimeout(r, 5));
    await sub.close();
    // k1 asked once the others waited: k2 and k3 (at most 2); k4 none, x5 being refused; x5 then took k6
    expect(seen).toEqual([
      { first: "k1", more: ["k2", "k3"] },
      { first: "k4", more: [] },
      { first: "x5", more: ["k6"] },
    ]);
  });
});
