import type { TaskRunRecord } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { flowableAttempt } from "./flowable-attempt.js";

const run = (over: Partial<TaskRunRecord>): TaskRunRecord => ({
  id: "r1",
  executionId: "e1",
  taskId: "if",
  state: { current: "RUNNING", histories: [{ state: "RUNNING", date: "2026-01-01T00:00:00.000Z" }], startDate: "2026-01-01T00:00:00.000Z" },
  attempts: [],
  planUri: "ferry://plan",
  ...over,
});

describe("a flowable task run's attempt, as Kestra 1.2 shows it (ExecutorService.childWorkerTaskResult; ExitTest.shouldExitAndFailNestedIf)", () => {
  it("is RUNNING while the flowable runs, from its first RUNNING", () => {
    expect(flowableAttempt(run({}))?.state).toMatchObject({ current: "RUNNING", histories: [{ state: "RUNNING", date: "2026-01-01T00:00:00.000Z" }] });
  });

  it("ends in the run's end state, at its end date", () => {
    const ended = run({
      state: {
        current: "FAILED",
        histories: [{ state: "RUNNING", date: "2026-01-01T00:00:00.000Z" }, { state: "PAUSED", date: "2026-01-01T00:00:01.000Z" }, { state: "FAILED", date: "2026-01-01T00:00:02.000Z" }],
        startDate: "2026-01-01T00:00:00.000Z",
        endDate: "2026-01-01T00:00:02.000Z",
        duration: "PT2S",
      },
    });
    expect(flowableAttempt(ended)?.state).toEqual({
      current: "FAILED",
      histories: [{ state: "RUNNING", date: "2026-01-01T00:00:00.000Z" }, { state: "FAILED", date: "2026-01-01T00:00:02.000Z" }],
      startDate: "2026-01-01T00:00:00.000Z",
      endDate: "2026-01-01T00:00:02.000Z",
      duration: "PT2S",
    });
  });

  it("is none for a run with attempts of its own (a runnable task, a WorkingDirectory, a skipped run), one that is no flowable, or one that never ran", () => {
    expect(flowableAttempt(run({ attempts: [{ state: { current: "SUCCESS", histories: [], startDate: "2026-01-01T00:00:00.000Z" } }] }))).toBeUndefined();
    expect(flowableAttempt(run({ planUri: undefined }))).toBeUndefined();
    expect(flowableAttempt(run({ state: { current: "CREATED", histories: [{ state: "CREATED", date: "2026-01-01T00:00:00.000Z" }], startDate: "2026-01-01T00:00:00.000Z" } }))).toBeUndefined();
  });
});
