import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { ExecutionState } from "./execution-state.js";
import { HeldTaskRun, setInFlightPackedFrom } from "./held-task-run.js";

/**
 * Issue #18: a task run must cost the same in a small execution and in a large one. Counted,
 * not timed: what a job carries on the queue, the documents read to render it, and the task
 * runs the executor looks up while it walks, per task run of a ForEach over 50 and over 500
 * whose second task reads the first's outputs of its iteration (`outputs.ret[taskrun.value]`);
 * and the ended runs it unpacks again (held-task-run.ts: an ended run is held packed between
 * events, so an event that read every ended run would cost more, and hold more, the larger the
 * execution).
 */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

const flowOf = (n: number, concurrency: number) => `
id: size_${n}_${concurrency}
namespace: test.engine.size
tasks:
  - id: seed
    type: core.Return
    format: seeded
  - id: each
    type: core.ForEach
    values: "{{ range(1, ${n}) }}"
    concurrencyLimit: ${concurrency}
    tasks:
      - id: ret
        type: core.Return
        format: "{{ outputs.seed.value }} {{ taskrun.value }}"
      - id: echo
        type: core.Return
        format: "{{ outputs.ret[taskrun.value].value }}"
  - id: last
    type: core.Return
    format: "{{ outputs.seed.value }} after {{ outputs.ret | length }}: {{ outputs.echo['7'].value }}"
`;

interface Costs {
  jobBytes: number;
  reads: number;
  lookups: number;
  unpacks: number;
}

/** the accessors through which a packed run is unpacked, wrapped to count the reads that unpack it */
function countUnpacks(counted: Costs): () => void {
  const originals = (["state", "attempts"] as const).map((key) => [key, Object.getOwnPropertyDescriptor(HeldTaskRun.prototype, key)!] as const);
  for (const [key, descriptor] of originals) {
    Object.defineProperty(HeldTaskRun.prototype, key, {
      ...descriptor,
      get(this: HeldTaskRun) {
        if (this.packed) counted.unpacks++;
        return descriptor.get!.call(this);
      },
    });
  }
  return () => {
    for (const [key, descriptor] of originals) Object.defineProperty(HeldTaskRun.prototype, key, descriptor);
  };
}

/** runs the flow once and answers its costs per task run */
async function costsPerTaskRun(n: number, concurrency: number): Promise<Costs & { state: string; last: unknown; runs: number }> {
  const counted: Costs = { jobBytes: 0, reads: 0, lookups: 0, unpacks: 0 };
  const restore = countUnpacks(counted);
  const send = h.queue.send.bind(h.queue);
  const read = h.store.read.bind(h.store);
  const find = Object.getOwnPropertyDescriptor(ExecutionState.prototype, "find")!.value as ExecutionState["find"];
  h.queue.send = async (channel, message, options) => {
    if (channel.startsWith("jobs.")) counted.jobBytes += JSON.stringify(message).length;
    return send(channel, message, options);
  };
  h.store.read = async (uri) => {
    counted.reads++;
    return read(uri);
  };
  ExecutionState.prototype.find = function (this: ExecutionState, ...args) {
    counted.lookups++;
    return find.apply(this, args);
  };
  try {
    // what is measured is counted, not timed: a starved CI box once took over the harness's 20 s for 500 values
    const r = await h.run(flowOf(n, concurrency), {}, 120_000);
    const runs = r.taskRuns.length;
    return {
      state: r.execution.state.current,
      runs,
      last: await r.outputs("last"),
      jobBytes: counted.jobBytes / runs,
      reads: counted.reads / runs,
      lookups: counted.lookups / runs,
      unpacks: counted.unpacks / runs,
    };
  } finally {
    restore();
    h.queue.send = send;
    h.store.read = read;
    ExecutionState.prototype.find = find;
  }
}

describe("the cost of a task run does not grow with the execution", () => {
  // 1: one value at a time, as Kestra's default; 0: all at once
  for (const concurrency of [1, 0]) {
    it(`a ForEach over 500 (concurrencyLimit ${concurrency}) costs per task run what one over 50 does: bytes queued, documents read, runs looked up, ended runs unpacked`, async () => {
      const small = await costsPerTaskRun(50, concurrency);
      const large = await costsPerTaskRun(500, concurrency);
      expect([small.state, large.state]).toEqual(["SUCCESS", "SUCCESS"]);
      // the task after the loop still reads every iteration's outputs it names
      expect(large.last).toEqual({ value: "seeded after 500: seeded 7" });
      // every ended run was packed again once its event ended, and no event had to unpack one: what a walk or a job reads of it is held outside the pack
      expect(h.executor.footprint().unpacked).toBe(0);
      expect([small.unpacks, large.unpacks]).toEqual([0, 0]);
      for (const cost of ["jobBytes", "reads", "lookups", "unpacks"] as const) {
        // flat, with room for the fixed costs (the seed, the last task) spread over fewer runs
        expect(large[cost], `${cost} per task run: ${small[cost]} at 50, ${large[cost]} at 500`).toBeLessThan(small[cost] * 1.25 + 1);
      }
    }, 240_000);
  }
});

describe("a ForEach with no concurrency limit holds the runs it queues packed (inFlightPackedFrom)", () => {
  it("over 1,200 values, packed from 1,000 runs: each queued run is unpacked once, by its result, and the execution ends as it would", async () => {
    const n = 1200;
    const before = setInFlightPackedFrom(1000);
    try {
      const costs = await costsPerTaskRun(n, 0);
      expect(costs.state).toBe("SUCCESS");
      expect(costs.last).toEqual({ value: `seeded after ${n}: seeded 7` });
      // the ret runs, created in one event, were packed while queued, and so was the ForEach's own run, running meanwhile
      // (unpacked once, when it ends); the echo runs, created a result (or a fold) at a time, were not
      expect(Math.round(costs.unpacks * costs.runs)).toBe(n + 1);
      expect(h.executor.footprint().unpacked).toBe(0);
    } finally {
      setInFlightPackedFrom(before);
    }
  }, 240_000);
});
