import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminal } from "@ferry/sdk";
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

  it("an assertion that holds changes nothing; one that cannot render is ignored, said in an ERROR line (SLAService.evaluateExecutionChangedSLA)", async () => {
    const kept = await h.run(flow("sla-kept", "FAIL", "{{ inputs.limit > 5 }}"));
    expect(kept.execution.state.current).toBe("SUCCESS");
    expect(kept.execution.labels.sla).toBeUndefined();
    const broken = await h.run(flow("sla-broken", "FAIL", "{{ nope.missing.thing }}"));
    expect(broken.execution.state.current).toBe("SUCCESS");
    expect(broken.execution.labels.sla).toBeUndefined();
    expect(broken.messages().join("\n")).toMatch(/Ignoring SLA 'guard' because of the error: .*nope/);
  });

  it("an assertion on a task's output is ignored until that task ran, then holds or is violated (the docs' sla_demo)", async () => {
    const demo = (id: string, value: string) => `
id: ${id}
namespace: test.sla
sla:
  - id: assert_output
    type: EXECUTION_ASSERTION
    assert: "{{ outputs.mytask.value == 'expected output' }}"
    behavior: FAIL
    labels:
      sla: miss
tasks:
  - id: mytask
    type: io.kestra.plugin.core.debug.Return
    format: ${value}
`;
    const met = await h.run(demo("sla-demo-met", "expected output"));
    expect(met.execution.state.current).toBe("SUCCESS");
    expect(met.execution.labels.sla).toBeUndefined();
    const missed = await h.run(demo("sla-demo-missed", "other output"));
    expect(missed.execution.state.current).toBe("FAILED");
    expect(missed.execution.labels.sla).toBe("miss");
  });

  it("refuses an unknown type at deploy", async () => {
    await expect(h.deploy("id: d\nnamespace: test.sla\nsla:\n  - { id: s, type: SOMETIMES, behavior: FAIL }\ntasks:\n  - { id: t, type: core.Log, message: hi }\n")).rejects.toThrow(/EXECUTION_ASSERTION or MAX_DURATION/);
  });
});

/* Issue 17: MAX_DURATION, Kestra's MaxDurationSLA, a durable wake-up of the executor from the execution's creation. */
describe("flow sla of type MAX_DURATION", () => {
  const slow = (id: string, behavior: string, duration = "PT0.5S") => `
id: ${id}
namespace: test.sla
sla:
  - { id: deadline, type: MAX_DURATION, duration: ${duration}, behavior: ${behavior}, labels: { sla: late } }
tasks:
  - { id: nap, type: core.Sleep, duration: PT30S }
  - { id: after, type: core.Log, message: "after ran" }
`;

  it("FAIL ends an execution that lasts longer FAILED, with Kestra's reason and the labels; what runs is stopped", async () => {
    const r = await h.run(slow("max-fail", "FAIL"));
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.execution.labels.sla).toBe("late");
    expect(r.state("nap")).toBe("FAILED");
    expect(r.runs("after")).toHaveLength(0);
    expect(r.messages().join("\n")).toMatch(/Execution failed due to SLA 'deadline' violated: execution duration of PT0\.\d+S exceed the maximum duration of PT0\.5S\./);
    expect(Date.parse(r.execution.state.endDate!) - Date.parse(r.execution.state.startDate)).toBeLessThan(10_000);
  });

  it("CANCEL ends it CANCELLED; NONE adds the labels and lets it run to its end", async () => {
    const cancelled = await h.run(slow("max-cancel", "CANCEL"));
    expect(cancelled.execution.state.current).toBe("CANCELLED");
    const none = await h.run(slow("max-none", "NONE").replace("PT30S", "PT1S"));
    expect(none.execution.state.current).toBe("SUCCESS");
    expect(none.execution.labels.sla).toBe("late");
    expect(none.messages()).toContain("after ran");
  });

  it("an execution that ends in time is untouched", async () => {
    const r = await h.run(slow("max-kept", "FAIL", "PT30S").replace("PT30S }", "PT0.1S }"));
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.execution.labels.sla).toBeUndefined();
  });

  it("outlives a restart: its wake-up, lost with the in-memory queue, is armed again from the repository", async () => {
    const first = await createEngineHarness();
    const flow = await first.deploy(slow("max-restart", "FAIL", "PT1S").replace("PT30S", "P30D"));
    const { id } = await first.executions.create({ flow });
    await first.waitFor(id, (e) => e.state.current === "RUNNING");
    await first.close(true);
    const second = await createEngineHarness([], { dir: first.dir });
    try {
      const r = await second.result((await second.waitFor(id, (e) => isTerminal(e.state.current))).execution.id);
      expect(r.execution.state.current).toBe("FAILED");
      expect(r.messages().join("\n")).toMatch(/SLA 'deadline' violated/);
    } finally {
      await second.close();
    }
  });

  it("refuses a zero or invalid duration and a missing one at deploy, naming the property", async () => {
    const sla = (body: string) => `id: d\nnamespace: test.sla\nsla:\n  - { id: s, type: MAX_DURATION, behavior: FAIL${body} }\ntasks:\n  - { id: t, type: core.Log, message: hi }\n`;
    await expect(h.deploy(sla(", duration: PT0S"))).rejects.toThrow(/must be a positive duration \(sla\[0\]\.duration/);
    await expect(h.deploy(sla(", duration: soon"))).rejects.toThrow(/sla\[0\]\.duration/);
    await expect(h.deploy(sla(""))).rejects.toThrow(/sla\[0\]\.duration/);
    await expect(h.deploy(sla(", duration: PT1H, assert: x"))).rejects.toThrow(/assert/);
  });
});
