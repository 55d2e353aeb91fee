import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("flowable tasks' own errors and finally, allowWarning, AllowFailure, Dag", () => {
  it("a flowable's errors run under it when a child fails, then its finally; it still ends FAILED", async () => {
    const r = await h.run(`
id: local-errors
namespace: test.engine
tasks:
  - id: group
    type: core.Sequential
    tasks:
      - { id: boom, type: core.Fail, errorMessage: broken }
      - { id: skipped, type: core.Log, message: never }
    errors:
      - { id: caught, type: core.Log, message: "caught, parents {{ parents | length }}" }
    finally:
      - { id: cleanup, type: core.Log, message: cleaned }
  - id: after
    type: core.Log
    message: not reached
errors:
  - { id: flow-errors, type: core.Log, message: flow level }
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("group")).toBe("FAILED");
    expect(r.state("caught")).toBe("SUCCESS");
    expect(r.state("cleanup")).toBe("SUCCESS");
    expect(r.runs("skipped")).toHaveLength(0);
    expect(r.runs("after")).toHaveLength(0);
    expect(r.state("flow-errors")).toBe("SUCCESS");
    const group = r.runs("group")[0];
    expect(r.runs("caught")[0].parentTaskRunId).toBe(group.id);
    // a Sequential has no value and no outputs: Kestra's Execution.parents leaves it out
    expect(r.messages()).toContain("caught, parents 0");
  });

  it("a flowable's errors do not run when its children succeed; finally does", async () => {
    const r = await h.run(`
id: local-errors-ok
namespace: test.engine
tasks:
  - id: group
    type: core.Parallel
    tasks:
      - { id: a, type: core.Log, message: a }
    errors:
      - { id: caught, type: core.Log, message: caught }
    finally:
      - { id: cleanup, type: core.Log, message: cleaned }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.runs("caught")).toHaveLength(0);
    expect(r.state("cleanup")).toBe("SUCCESS");
  });

  it("allowWarning turns a task's WARNING into SUCCESS, also one allowFailure made", async () => {
    const r = await h.run(`
id: allow-warning
namespace: test.engine
tasks:
  - id: tolerated
    type: core.Fail
    allowFailure: true
    allowWarning: true
  - id: warned
    type: core.Fail
    allowFailure: true
  - id: group
    type: core.Sequential
    allowWarning: true
    tasks:
      - { id: inner, type: core.Fail, allowFailure: true }
`);
    expect(r.state("tolerated")).toBe("SUCCESS");
    expect(r.state("warned")).toBe("WARNING");
    expect(r.state("inner")).toBe("WARNING");
    expect(r.state("group")).toBe("SUCCESS");
    expect(r.execution.state.current).toBe("WARNING");
  });

  it("AllowFailure stops its block at the failure, ends WARNING, and the flow goes on", async () => {
    const r = await h.run(`
id: allow-failure-task
namespace: test.engine
tasks:
  - id: try
    type: io.kestra.plugin.core.flow.AllowFailure
    tasks:
      - { id: boom, type: core.Fail }
      - { id: not-run, type: core.Log, message: no }
    errors:
      - { id: noticed, type: core.Log, message: noticed }
  - id: after
    type: core.Log
    message: after
`);
    expect(r.execution.state.current).toBe("WARNING");
    expect(r.state("try")).toBe("WARNING");
    expect(r.state("boom")).toBe("FAILED");
    expect(r.runs("not-run")).toHaveLength(0);
    expect(r.state("noticed")).toBe("SUCCESS");
    expect(r.state("after")).toBe("SUCCESS");
  });

  it("Dag starts each task once the tasks it depends on ended", async () => {
    const r = await h.run(`
id: dag
namespace: test.engine
tasks:
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task: { id: d, type: core.Return, format: "{{ outputs.b.value }}+{{ outputs.c.value }}" }
        dependsOn: [b, c]
      - task: { id: a, type: core.Return, format: a }
      - task: { id: b, type: core.Return, format: "{{ outputs.a.value }}b" }
        dependsOn: [a]
      - task: { id: c, type: core.Return, format: "{{ outputs.a.value }}c" }
        dependsOn: [a]
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("d")).toEqual({ value: "ab+ac" });
    const ended = (id: string) => Date.parse(r.runs(id)[0].state.endDate!);
    const started = (id: string) => Date.parse(r.runs(id)[0].state.startDate);
    expect(started("b")).toBeGreaterThanOrEqual(ended("a"));
    expect(started("d")).toBeGreaterThanOrEqual(Math.max(ended("b"), ended("c")));
  });

  it("a failed Dag task stops the tasks that depend on it; the Dag fails", async () => {
    const r = await h.run(`
id: dag-fail
namespace: test.engine
tasks:
  - id: dag
    type: core.Dag
    tasks:
      - task: { id: a, type: core.Fail }
      - task: { id: b, type: core.Log, message: b }
        dependsOn: [a]
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.runs("b")).toHaveLength(0);
  });

  it("a Dag with a cycle or an unknown dependency is refused at deploy, naming the task", async () => {
    const cycle = `
id: dag-cycle
namespace: test.engine
tasks:
  - id: dag
    type: core.Dag
    tasks:
      - task: { id: a, type: core.Log, message: a }
        dependsOn: [b]
      - task: { id: b, type: core.Log, message: b }
        dependsOn: [a]
`;
    await expect(h.deploy(cycle)).rejects.toThrow(/Cyclic dependency detected: a, b \(tasks\[0\]\.tasks\[0\]\.dependsOn, line 9\)/);
    await expect(h.deploy(cycle.replace("dependsOn: [b]", "dependsOn: [zz]").replace("dependsOn: [a]", ""))).rejects.toThrow(/Not existing task id in dependency: zz/);
  });

  it("a Switch with no matching case and no defaults fails; ForEach over null fails", async () => {
    const r = await h.run(`
id: switch-nomatch
namespace: test.engine
tasks:
  - id: route
    type: core.Switch
    value: nothing
    cases:
      a: [{ id: a, type: core.Log, message: a }]
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.state("route")).toBe("FAILED");
    expect(r.messages().join("\n")).toMatch(/no case matches the value 'nothing'/);
    const each = await h.run(`
id: foreach-null
namespace: test.engine
tasks:
  - id: each
    type: core.ForEach
    values: "{{ [1, null] | json }}"
    tasks:
      - { id: item, type: core.Log, message: "{{ taskrun.value }}" }
`);
    expect(each.execution.state.current).toBe("FAILED");
    expect(each.messages().join("\n")).toMatch(/null values on Each/);
  });
});
