import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h?.close());

describe("runIf", () => {
  it("skips a task whose condition renders false, runs it when true, and the flow goes on", async () => {
    const r = await h.run(
      `id: run-if
namespace: test.engine
inputs:
  - { id: go, type: BOOLEAN }
tasks:
  - { id: never, type: core.Log, message: should not run, runIf: "{{ 1 == 2 }}" }
  - { id: maybe, type: core.Log, message: ran because go, runIf: "{{ inputs.go }}" }
  - { id: literal, type: core.Log, message: also skipped, runIf: false }
  - id: group
    type: core.Sequential
    runIf: "{{ not inputs.go }}"
    tasks:
      - { id: inner, type: core.Log, message: inside }
  - { id: after, type: core.Log, message: after }
`,
      { go: true },
    );
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("never")).toBe("SKIPPED");
    expect(r.state("maybe")).toBe("SUCCESS");
    expect(r.state("literal")).toBe("SKIPPED");
    expect(r.state("group")).toBe("SKIPPED");
    expect(r.runs("inner")).toHaveLength(0);
    // as Kestra's RunIfTest (task-runif-executionupdating.yml) asserts: a skipped task run's one attempt is SKIPPED too
    for (const id of ["never", "literal", "group"]) expect(r.runs(id)[0].attempts.map((a) => [a.state.current, a.state.histories.map((h) => h.state)])).toEqual([["SKIPPED", ["CREATED", "SKIPPED"]]]);
    expect(r.messages()).toEqual(expect.arrayContaining(["ran because go", "after"]));
    expect(r.messages()).not.toContain("should not run");
  });

  it("a runIf that cannot render fails the task, naming runIf", async () => {
    const r = await h.run(`id: run-if-bad\nnamespace: test.engine\ntasks:\n  - { id: t, type: core.Log, message: hi, runIf: "{{ outputs.nope.value }}" }\n`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("t")).toBe("FAILED");
    expect(r.messages().some((m) => m.startsWith("runIf:"))).toBe(true);
  });
});
