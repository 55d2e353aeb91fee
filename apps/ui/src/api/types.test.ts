import { describe, expect, it } from "vitest";
import { EXECUTION_STATES, isReadOnlyFlow, runningTotal } from "./types";

describe("the dashboard's Running total", () => {
  it("counts PAUSING (an Approval's onWait running) with CREATED, RUNNING and PAUSED; ended and QUEUED executions not", () => {
    expect(runningTotal({ CREATED: 1, RUNNING: 2, PAUSING: 3, PAUSED: 4, SUCCESS: 5, FAILED: 6, QUEUED: 7 })).toBe(10);
    expect(runningTotal({})).toBe(0);
    // the list's state filter offers PAUSING too
    expect(EXECUTION_STATES).toContain("PAUSING");
  });
});

describe("a read-only flow (system.readOnly, Kestra's docs concepts/system-labels)", () => {
  it("is one labelled system.readOnly true, in either label form the API gives", () => {
    expect(isReadOnlyFlow({ labels: { "system.readOnly": "true" } })).toBe(true);
    expect(isReadOnlyFlow({ labels: [{ key: "system.readOnly", value: "true" }] })).toBe(true);
    expect(isReadOnlyFlow({ labels: { "system.readOnly": "false", team: "a" } })).toBe(false);
    expect(isReadOnlyFlow({ labels: [{ key: "team", value: "true" }] })).toBe(false);
    expect(isReadOnlyFlow({})).toBe(false);
  });
});
