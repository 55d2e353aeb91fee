import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

const flow = (id: string, behavior: string, assertion: string) => `
id: ${id}
namespace: test.sla
inputs:
  - { id: limit, type: INT, defaults: 10 }
sla:
  - id: guard
    type: EXECUTION_ASSERTION
    assert: "${assertion}"
    behavior: ${behavior}
    labels: { sla: violated }
tasks:
  - { id: first, type: core.Return, format: "12" }
  - { id: second, type: core.Log, message: "second ran" }
`;

describe("flow sla of type EXECUTION_ASSERTION", () => {
  it("FAIL ends the execution FAILED once the assertion no longer holds, with its labels; later tasks never run", async () => {
    const r = await h.run(flow("sla-fail", "FAIL", "{{ (outputs.first.value ?? '0') | number < inputs.limit }}"));
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.execution.labels.sla).toBe("violated");
    expect(r.runs("second")).toHaveLength(0);
    expect(r.messages().join("\n")).toMatch(/Execution failed due to SLA 'guard' violated: assertion is false/);
  });

  it("CANCEL ends it CANCELLED; NONE only adds the labels and lets it run", async () => {
    const cancelled = await h.run(flow("sla-cancel", "CANCEL", "{{ (outputs.first.value ?? '0') | number < inputs.limit }}"));
    expect(cancelled.execution.state.current).toBe("CANCELLED");
    const none = await h.run(flow("sla-none", "NONE", "{{ (outputs.first.value ?? '0') | number < inputs.limit }}"));
    expect(none.execution.state.current).toBe("SUCCESS");
    expect(none.execution.labels.sla).toBe("violated");
    expect(none.state("second")).toBe("SUCCESS");
  });

  it("an assertion that holds changes nothing; one that cannot render is a violation", async () => {
    const kept = await h.run(flow("sla-kept", "FAIL", "{{ inputs.limit > 5 }}"));
    expect(kept.execution.state.current).toBe("SUCCESS");
    expect(kept.execution.labels.sla).toBeUndefined();
    const broken = await h.run(flow("sla-broken", "FAIL", "{{ nope.missing.thing }}"));
    expect(broken.execution.state.current).toBe("FAILED");
    expect(broken.messages().join("\n")).toMatch(/could not be evaluated/);
  });

  it("refuses an sla of type MAX_DURATION at deploy, and an unknown type", async () => {
    await expect(h.deploy("id: d\nnamespace: test.sla\nsla:\n  - { id: s, type: MAX_DURATION, behavior: FAIL, duration: PT1H }\ntasks:\n  - { id: t, type: core.Log, message: hi }\n")).rejects.toThrow(
      /not supported by Ferry yet: sla of type MAX_DURATION/,
    );
    await expect(h.deploy("id: d\nnamespace: test.sla\nsla:\n  - { id: s, type: SOMETIMES, behavior: FAIL }\ntasks:\n  - { id: t, type: core.Log, message: hi }\n")).rejects.toThrow(/EXECUTION_ASSERTION or MAX_DURATION/);
  });
});
