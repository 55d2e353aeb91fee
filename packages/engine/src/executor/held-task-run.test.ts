import type { ExecutionRecord, TaskRunRecord } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { newState, transition } from "./execution-state.js";
import { currentOf, HeldTaskRun, plainTaskRun, repackHeld, unpackedCount } from "./held-task-run.js";
import { keptTaskRuns } from "../replay.js";

const ID = "0193a5b0-0000-7000-8000-000000000001";
const URI = `ferry://test/held/flow/executions/e1/ret.${ID}.outputs.0.json`;

/** a Return's run as the executor makes it: created, queued, run by a worker, ended */
function endedRun(end: "SUCCESS" | "FAILED" = "SUCCESS"): HeldTaskRun {
  const run = new HeldTaskRun({ id: ID, executionId: "e1", taskId: "ret", parentTaskRunId: "p1", value: "7", state: newState("CREATED"), attempts: [] });
  run.attempts.push({ state: newState("CREATED") });
  transition(run.state, "QUEUED");
  transition(run.attempts[0].state, "RUNNING", new Date(Date.now() + 2).toISOString());
  run.attempts[0].workerId = "worker-1";
  transition(run.state, "RUNNING", new Date(Date.now() + 2).toISOString());
  transition(run.attempts[0].state, end, new Date(Date.now() + 5).toISOString());
  transition(run.state, end, new Date(Date.now() + 5).toISOString());
  run.outputsUri = URI;
  return run;
}

const plain = (run: TaskRunRecord) => JSON.parse(JSON.stringify(run)) as TaskRunRecord;

describe("HeldTaskRun", () => {
  it("packs an ended run and gives it back the same on the next read", () => {
    const run = endedRun();
    const before = plain(run);
    expect(run.pack()).toBe(true);
    expect(run.packed).toBe(true);
    // what later events read most needs no unpacking
    expect([run.id, run.taskId, run.parentTaskRunId, run.value, currentOf(run), run.outputsUri]).toEqual([ID, "ret", "p1", "7", "SUCCESS", URI]);
    expect(run.packed).toBe(true);
    expect(plain(run)).toEqual(before);
    expect(run.packed).toBe(false);
    expect(run.state.histories.map((h) => h.state)).toEqual(["CREATED", "QUEUED", "RUNNING", "SUCCESS"]);
    expect(run.outputsUri).toBe(URI);
    repackHeld("e1", false);
  });

  it("leaves the executor as a plain record: a repository that clones what it saves (structuredClone, a spread) keeps state and attempts", () => {
    const run = endedRun();
    const before = plain(run);
    run.pack();
    const saved = plainTaskRun(run);
    expect(Object.getPrototypeOf(saved)).toBe(Object.prototype);
    expect(plain(structuredClone(saved))).toEqual(before);
    expect(plain({ ...saved })).toEqual(before);
    // a clone of the run itself would lose them: what the executor must never hand out
    expect(structuredClone(run as TaskRunRecord).state).toBeUndefined();
    repackHeld("e1", false);
  });

  it("keeps a change made after a read: the run is unpacked, then packed again with it", () => {
    const run = endedRun("FAILED");
    run.pack();
    transition(run.state, "SUCCESS"); // allowFailure-like rewrite of an ended run
    run.attempts[0].cached = true;
    expect(unpackedCount()).toBe(1);
    const changed = plain(run);
    repackHeld("e1", true);
    expect(unpackedCount()).toBe(0);
    expect(run.packed).toBe(true);
    expect(plain(run)).toEqual(changed);
    repackHeld("e1", false);
  });

  it("a setter on a packed run keeps the fields it does not set", () => {
    const run = endedRun();
    const attempts = plain(run).attempts;
    run.pack();
    run.outputsUri = "ferry://elsewhere/outputs.json";
    expect(run.attempts).toEqual(attempts);
    expect(run.outputsUri).toBe("ferry://elsewhere/outputs.json");
    expect(run.pack()).toBe(true);
    expect(run.outputsUri).toBe("ferry://elsewhere/outputs.json");
    repackHeld("e1", false);
  });

  it("leaves a running run, and a record of a shape it does not know, unpacked", () => {
    const running = new HeldTaskRun({ id: "r", executionId: "e2", taskId: "t", state: newState("RUNNING"), attempts: [] });
    expect(running.pack()).toBe(false);
    const odd = endedRun();
    // a date not in toISOString's form would come back otherwise
    odd.state.histories[1].date = "2026-12-04T10:00:00Z";
    expect(odd.pack()).toBe(false);
    const nested = endedRun();
    (nested.attempts[0] as unknown as Record<string, unknown>).extra = { a: 1 };
    expect(nested.pack()).toBe(false);
    expect(nested.packed).toBe(false);
  });

  it("packs a queued run only when asked to pack one in flight, and gives it back the same", () => {
    const run = new HeldTaskRun({ id: "q", executionId: "e3", taskId: "t", parentTaskRunId: "p1", value: "9", state: newState("CREATED"), attempts: [] });
    run.attempts.push({ state: newState("CREATED") });
    transition(run.state, "QUEUED");
    const before = plain(run);
    expect(run.pack()).toBe(false);
    expect(run.pack(true)).toBe(true);
    expect(currentOf(run)).toBe("QUEUED");
    expect(plain(run)).toEqual(before);
    // its result's read unpacked it; it ends, and is packed again as an ended run
    transition(run.attempts[0].state, "SUCCESS");
    transition(run.state, "SUCCESS");
    repackHeld("e3", true);
    expect(run.packed).toBe(true);
    expect(run.state.histories.map((h) => h.state)).toEqual(["CREATED", "QUEUED", "SUCCESS"]);
    repackHeld("e3", false);
  });

  it("a run whose outputs URI does not hold its id keeps the URI whole", () => {
    const run = endedRun();
    run.outputsUri = "ferry://test/held/cached/outputs.json";
    expect(run.pack()).toBe(true);
    expect(run.outputsUri).toBe("ferry://test/held/cached/outputs.json");
    repackHeld("e1", false);
  });

  it("a replay copies a packed run whole (a clone alone would miss its accessors)", () => {
    const run = endedRun();
    run.parentTaskRunId = undefined; // a top-level task's, which a replay keeps
    const before = plain(run);
    run.pack();
    const next = new HeldTaskRun({ id: "r2", executionId: "e1", taskId: "next", state: newState("RUNNING", new Date(Date.now() + 60_000).toISOString()), attempts: [] });
    const { runs } = keptTaskRuns({ execution: { id: "e1" } as ExecutionRecord, taskRuns: [run, next] }, "r2", "e-new", { tasks: [{ id: "ret", type: "core.Return" }, { id: "next", type: "core.Return" }] });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ executionId: "e-new", taskId: "ret", value: "7", state: before.state, attempts: before.attempts, outputsUri: URI });
    repackHeld("e1", false);
  });
});
