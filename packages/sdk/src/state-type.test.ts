import { describe, expect, it } from "vitest";
import { z } from "zod";
import { stateType, stateTypes } from "./schema.js";
import { EXECUTION_STATES, executionStatesOf, STATE_TYPES } from "./states.js";
import { flowDependencySchema } from "./trigger.js";

// Kestra's State.Type, core/models/flows/State.java (newest in the index)
const KESTRA = ["CREATED", "SUBMITTED", "RUNNING", "PAUSED", "RESTARTED", "KILLING", "SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "QUEUED", "RETRYING", "RETRIED", "SKIPPED", "BREAKPOINT", "RESUBMITTED"];

describe("stateType: a property typed as Kestra's State.Type", () => {
  it("takes every State.Type value", () => {
    for (const state of KESTRA) expect(stateType("states").parse(state)).toBe(state);
    expect([...STATE_TYPES].sort()).toEqual([...KESTRA, "PAUSING"].sort());
  });

  it("refuses another value naming the property and listing the accepted ones", () => {
    const result = stateTypes("states").safeParse(["SUCCESS", "CANCELED"]);
    expect(result.success).toBe(false);
    const message = result.error!.issues[0].message;
    expect(message).toBe(`states: 'CANCELED' is not a state (Kestra's State.Type: one of ${STATE_TYPES.join(", ")})`);
    expect(result.error!.issues[0].path).toEqual([1]);
    expect(stateType("in").safeParse(3).error!.issues[0].message).toMatch(/^in: 3 is not a state/);
  });

  it("refuses the states a property leaves out, with its reason; the JSON Schema leaves them out too", () => {
    const schema = stateType("states", { SKIPPED: "never fires here: because" });
    expect(schema.safeParse("SKIPPED").error!.issues[0].message).toBe("states: state SKIPPED never fires here: because");
    const json = z.toJSONSchema(schema) as { enum: string[] };
    expect(json.enum).not.toContain("SKIPPED");
    expect(json.enum).toContain("RETRYING");
  });

  it("a filter of states no execution has keeps none of them (so it matches nothing, never all)", () => {
    expect(executionStatesOf(["SKIPPED", "RETRYING", "SUBMITTED", "BREAKPOINT", "RESUBMITTED"])).toEqual([]);
    expect(executionStatesOf(["SKIPPED", "SUCCESS"])).toEqual(["SUCCESS"]);
    for (const state of EXECUTION_STATES) expect(STATE_TYPES).toContain(state);
  });

  it("a Flow trigger's dependsOn entry refuses a state no execution enters, with its reason", () => {
    const result = flowDependencySchema.safeParse({ flowId: "up", states: ["SUCCESS", "RETRIED", "BREAKPOINT"] });
    expect(result.error!.issues[0].message).toBe("states: state BREAKPOINT never fires a Flow trigger: a Ferry execution is never at a BREAKPOINT (Ferry has no breakpoints)");
    expect(flowDependencySchema.parse({ flowId: "up", states: ["SUCCESS", "RETRIED"] }).states).toEqual(["SUCCESS", "RETRIED"]);
  });
});
