import type { TaskRunRecord } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { compactEnded } from "./compact-ended.js";
import { newState, transition } from "./execution-state.js";

function runIn(state: "RUNNING" | "SUCCESS"): TaskRunRecord {
  const run: TaskRunRecord = { id: "r1", executionId: "e1", taskId: "t", value: "1", state: newState("CREATED"), attempts: [] };
  run.attempts.push({ state: newState("CREATED") });
  transition(run.state, "RUNNING");
  transition(run.attempts[0].state, "RUNNING");
  if (state === "SUCCESS") {
    transition(run.state, "SUCCESS");
    transition(run.attempts[0].state, "SUCCESS");
  }
  return run;
}

describe("compactEnded", () => {
  it("gives an ended run's arrays new copies holding the same entries", () => {
    const run = runIn("SUCCESS");
    const before = structuredClone(run);
    const { histories } = run.state;
    compactEnded(run);
    expect(run).toEqual(before);
    expect(run.state.histories).not.toBe(histories);
  });

  it("leaves a run still going as it is", () => {
    const run = runIn("RUNNING");
    const { histories } = run.state;
    const attempts = run.attempts;
    compactEnded(run);
    expect(run.state.histories).toBe(histories);
    expect(run.attempts).toBe(attempts);
  });
});
