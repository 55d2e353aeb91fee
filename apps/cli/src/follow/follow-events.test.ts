import { describe, expect, it } from "vitest";
import type { ExecutionJson, TaskRunJson } from "../client/api-types.js";
import { endEvent, ExecutionDiff } from "./follow-events.js";

const at = (s: number) => new Date(Date.UTC(2026, 10, 2, 10, 0, s)).toISOString();
const state = (...steps: Array<[string, number]>) => ({ current: steps.at(-1)![0], histories: steps.map(([s, t]) => ({ state: s, date: at(t) })) });
const run = (id: string, taskId: string, steps: Array<[string, number]>, attempts = 1, value: string | null = null): TaskRunJson => ({
  id, taskId, value, parentTaskRunId: null, state: state(...steps), attempts: Array.from({ length: attempts }, () => ({ state: state(["RUNNING", 0]) })), outputs: null,
});
const execution = (steps: Array<[string, number]>, runs: TaskRunJson[], outputs?: unknown): ExecutionJson => ({
  id: "e1", namespace: "ns", flowId: "f", flowRevision: 1, state: state(...steps), labels: [], taskRunList: runs, outputs,
});
const brief = (events: ReturnType<ExecutionDiff["next"]>) => events.map((e) => (e.event === "taskrun" ? `${e.taskId}:${e.state}@${e.attempt ?? "-"}` : e.event === "execution" ? `exec:${e.state}` : e.event));

describe("ExecutionDiff", () => {
  it("tells every state a snapshot adds, in the order they happened, each once", () => {
    const diff = new ExecutionDiff();
    expect(brief(diff.next(execution([["CREATED", 0]], [])))).toEqual(["exec:CREATED"]);
    // between two snapshots, a task ran whole and the next one started
    const second = execution([["CREATED", 0], ["RUNNING", 1]], [
      run("r1", "a", [["CREATED", 1], ["QUEUED", 1], ["RUNNING", 2], ["SUCCESS", 3]]),
      run("r2", "b", [["CREATED", 3], ["QUEUED", 4]]),
    ]);
    expect(brief(diff.next(second))).toEqual(["exec:RUNNING", "a:CREATED@1", "a:QUEUED@1", "a:RUNNING@1", "a:SUCCESS@1", "b:CREATED@1", "b:QUEUED@1"]);
    // the same snapshot again (a reconnected stream sends it) tells nothing
    expect(diff.next(second)).toEqual([]);
  });

  it("numbers attempts by the dispatches before each state, and gives an ended run its duration", () => {
    const diff = new ExecutionDiff();
    const events = diff.next(execution([["RUNNING", 0]], [run("r1", "flaky", [["CREATED", 0], ["QUEUED", 0], ["RUNNING", 1], ["RETRYING", 2], ["QUEUED", 3], ["RUNNING", 3], ["FAILED", 5]], 2)]));
    expect(brief(events).slice(1)).toEqual(["flaky:CREATED@1", "flaky:QUEUED@1", "flaky:RUNNING@1", "flaky:RETRYING@1", "flaky:QUEUED@2", "flaky:RUNNING@2", "flaky:FAILED@2"]);
    expect(events.at(-1)).toMatchObject({ event: "taskrun", durationMs: 5000 });
    expect(events.filter((e) => "durationMs" in e)).toHaveLength(1);
  });

  it("a flowable task run (no attempts) has no attempt number; a loop's runs carry their value", () => {
    const diff = new ExecutionDiff();
    const events = diff.next(execution([["RUNNING", 0]], [run("p", "each", [["RUNNING", 0]], 0), run("c", "log", [["CREATED", 1]], 1, "x")]));
    expect(events.slice(1)).toEqual([
      expect.objectContaining({ taskId: "each", state: "RUNNING", value: null }),
      expect.objectContaining({ taskId: "log", state: "CREATED", value: "x", attempt: 1 }),
    ]);
    expect(events[1]).not.toHaveProperty("attempt");
  });

  it("a snapshot taken as the starting point is not told again", () => {
    const diff = new ExecutionDiff();
    diff.next(execution([["CREATED", 0], ["FAILED", 2]], [run("r1", "a", [["CREATED", 0], ["QUEUED", 0], ["RUNNING", 1], ["FAILED", 2]])]));
    const restarted = execution([["CREATED", 0], ["FAILED", 2], ["RUNNING", 3]], [run("r1", "a", [["CREATED", 0], ["QUEUED", 0], ["RUNNING", 1], ["FAILED", 2], ["QUEUED", 3]], 2)]);
    expect(brief(diff.next(restarted))).toEqual(["exec:RUNNING", "a:QUEUED@2"]);
  });

  it("the end event carries the state, the duration from creation and the flow's outputs", () => {
    expect(endEvent(execution([["CREATED", 0], ["RUNNING", 1], ["WARNING", 4]], [], { n: 1 }))).toEqual({ event: "end", id: "e1", state: "WARNING", durationMs: 4000, outputs: { n: 1 } });
    expect(endEvent(execution([["CREATED", 0], ["SUCCESS", 1]], []))).toMatchObject({ outputs: {} });
  });
});
