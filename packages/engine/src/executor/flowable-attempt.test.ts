import type { TaskRunRecord } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { newState } from "./execution-state.js";
import { isWorkerFlowable } from "./flowable-attempt.js";

const run = (over: Partial<TaskRunRecord>): TaskRunRecord => ({ id: "r1", executionId: "e1", taskId: "t", state: newState("RUNNING"), attempts: [], ...over });

// Kestra >= 1.2 gives every flowable one attempt (ExecutorService.childWorkerTaskResult; ExitTest.shouldExitAndFailNestedIf reads it):
// the engine marks it `flowable`, so a WorkingDirectory's attempts, which a worker runs, stay told apart
describe("a flowable's attempt as Kestra 1.2 records it, told from a WorkingDirectory's", () => {
  it("a flowable with its own attempt, or none yet, is the executor's; one with a worker's attempt is a WorkingDirectory", () => {
    expect(isWorkerFlowable(run({ planUri: "ferry://plan", attempts: [{ state: newState("RUNNING"), flowable: true }] }))).toBe(false);
    expect(isWorkerFlowable(run({ planUri: "ferry://plan" }))).toBe(false);
    expect(isWorkerFlowable(run({ planUri: "ferry://plan", attempts: [{ state: newState("CREATED") }] }))).toBe(true);
    // a runnable's attempts are no flowable's
    expect(isWorkerFlowable(run({ attempts: [{ state: newState("CREATED") }] }))).toBe(false);
  });
});
