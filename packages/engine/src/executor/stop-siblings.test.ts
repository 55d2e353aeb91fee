import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

const ended = (r: Awaited<ReturnType<EngineHarness["run"]>>, taskId: string) => Date.parse(r.runs(taskId)[0].state.endDate!);

describe("a branch's failure stops its siblings (Parallel failFast, Dag onChildFailure)", () => {
  it("Parallel failFast: the siblings still running, however deep, end KILLED; the Parallel FAILED, then its errors and finally run", async () => {
    const started = Date.now();
    const r = await h.run(`
id: fail-fast
namespace: test.engine
tasks:
  - id: fan
    type: core.Parallel
    failFast: true
    tasks:
      - id: deep
        type: core.Sequential
        tasks:
          - { id: nap, type: core.Sleep, duration: PT30S }
      - { id: slow, type: core.Sleep, duration: PT30S }
      - { id: busy, type: test.WorkerWait, ms: 30000 }
      - { id: boom, type: core.Fail, errorMessage: boom }
    errors:
      - { id: handled, type: core.Log, message: handled }
    finally:
      - { id: cleanup, type: core.Log, message: cleanup }
`);
    expect(r.execution.state.current).toBe("FAILED");
    // the failing branch comes last: the killed ones before it do not make the Parallel KILLED
    expect(["fan", "boom", "deep", "nap", "slow", "busy", "handled", "cleanup"].map((t) => r.state(t))).toEqual(["FAILED", "FAILED", "KILLED", "KILLED", "KILLED", "KILLED", "SUCCESS", "SUCCESS"]);
    // the worker was told to stop its attempt, which ends KILLED too
    expect(r.runs("busy")[0].attempts.at(-1)?.state.current).toBe("KILLED");
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(Date.parse(r.runs("cleanup")[0].state.startDate)).toBeGreaterThanOrEqual(ended(r, "handled"));
  });

  it("Parallel failFast with concurrent 1: the branches not started yet never start", async () => {
    const r = await h.run(`
id: fail-fast-one-at-a-time
namespace: test.engine
tasks:
  - id: fan
    type: core.Parallel
    failFast: true
    concurrent: 1
    tasks:
      - { id: boom, type: core.Fail }
      - { id: never, type: core.Log, message: never }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.runs("never")).toEqual([]);
  });

  it("Dag onChildFailure CANCELLED: the running task ends CANCELLED, a task depending on the failed one never starts", async () => {
    const r = await h.run(`
id: dag-cancelled
namespace: test.engine
tasks:
  - id: dag
    type: core.Dag
    onChildFailure: CANCELLED
    tasks:
      - task: { id: boom, type: core.Fail }
      - task: { id: nap, type: core.Sleep, duration: PT30S }
      - task: { id: next, type: core.Log, message: next }
        dependsOn: [boom]
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(["dag", "boom", "nap"].map((t) => r.state(t))).toEqual(["FAILED", "FAILED", "CANCELLED"]);
    expect(r.runs("next")).toEqual([]);
  });

  it("a Dag without onChildFailure (CONTINUE) lets the running task end on its own", async () => {
    const r = await h.run(`
id: dag-continue
namespace: test.engine
tasks:
  - id: dag
    type: core.Dag
    tasks:
      - task: { id: boom, type: core.Fail }
      - task: { id: nap, type: core.Sleep, duration: PT0.3S }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("nap")).toBe("SUCCESS");
  });
});

describe("taskrun.iteration", () => {
  it("a ForEach's own children see their value's place from 0; deeper task runs have none, as Kestra's resolveEachTasks gives it", async () => {
    const r = await h.run(`
id: each-iteration
namespace: test.engine
tasks:
  - id: outer
    type: core.ForEach
    values: [a, b, c]
    concurrencyLimit: 0
    tasks:
      - id: own
        type: core.Log
        message: "own {{ taskrun.value }}={{ taskrun.iteration }}"
      - id: seq
        type: core.Sequential
        tasks:
          - id: deeper
            type: core.Log
            message: "deeper {{ parent.taskrun.value }} {{ taskrun.value ?? 'none' }}={{ taskrun.iteration ?? 'none' }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("own").map((run) => run.value).sort()).toEqual(["a", "b", "c"]);
    const lines = r.messages().filter((m) => /^(own|deeper) /.test(m)).sort();
    expect(lines).toEqual(["deeper a none=none", "deeper b none=none", "deeper c none=none", "own a=0", "own b=1", "own c=2"]);
  });
});
