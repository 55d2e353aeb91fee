import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("tasks the executor resolves on the execution itself: Exit, Labels, SetVariables, UnsetVariables", () => {
  for (const [state, expected] of [["SUCCESS", "SUCCESS"], ["WARNING", "WARNING"], ["FAILED", "FAILED"], ["CANCELED", "CANCELLED"], ["CANCELLED", "CANCELLED"]] as const) {
    it(`Exit with state ${state} ends the execution ${expected} at once, with the task and its parents`, async () => {
      const r = await h.run(`
id: exit-${state.toLowerCase()}
namespace: test.engine
tasks:
  - id: group
    type: core.Sequential
    tasks:
      - id: stop
        type: io.kestra.plugin.core.execution.Exit
        state: ${state}
      - { id: never, type: core.Log, message: never }
  - { id: after, type: core.Log, message: after }
errors:
  - { id: handler, type: core.Log, message: handler }
`);
      expect(r.execution.state.current).toBe(expected);
      expect(r.state("stop")).toBe(expected);
      expect(r.state("group")).toBe(expected);
      expect(r.runs("stop")[0].attempts.map((a) => a.state.current)).toEqual([expected]);
      for (const id of ["never", "after", "handler"]) expect(r.runs(id)).toHaveLength(0);
    });
  }

  it("Exit with state KILLED kills what runs elsewhere and ends the execution KILLED", async () => {
    const r = await h.run(`
id: exit-killed
namespace: test.engine
tasks:
  - id: fan
    type: core.Parallel
    tasks:
      - { id: slow, type: test.WorkerWait, ms: 30000 }
      - id: stop
        type: core.Exit
        state: KILLED
  - { id: after, type: core.Log, message: after }
`);
    expect(r.execution.state.current).toBe("KILLED");
    expect(r.state("stop")).toBe("KILLED");
    expect(r.state("slow")).toBe("KILLED");
    expect(r.runs("after")).toHaveLength(0);
  });

  // Kestra's KillTest (kill.yaml, kill-conditional.yaml, kill-without-propagation.yaml, kill-with-propagation.yaml)
  it("Kill ends this task and the execution KILLED; nothing after it starts", async () => {
    const r = await h.run(`
id: kill-task
namespace: test.engine
inputs:
  - { id: should_kill, type: BOOLEAN, defaults: true }
tasks:
  - { id: first, type: core.Log, message: before }
  - id: kill
    type: io.kestra.plugin.core.execution.Kill
    runIf: "{{ inputs.should_kill }}"
  - { id: after, type: core.Log, message: after }
`);
    expect(r.execution.state.current).toBe("KILLED");
    expect(r.taskRuns.map((t) => [t.taskId, t.state.current])).toEqual([["first", "SUCCESS"], ["kill", "KILLED"]]);
    const skipped = await h.run(`
id: kill-task-skipped
namespace: test.engine
tasks:
  - { id: kill, type: core.Kill, runIf: "false" }
  - { id: after, type: core.Log, message: after }
`);
    expect(skipped.execution.state.current).toBe("SUCCESS");
    expect(skipped.state("kill")).toBe("SKIPPED");
  });

  for (const propagate of [true, false]) {
    it(`Kill with propagateKill ${propagate} ${propagate ? "kills" : "spares"} the executions it started as subflows, waited on or not`, async () => {
      await h.deploy(`
id: kill-child-${propagate}
namespace: test.engine
tasks:
  - { id: slow, type: test.WorkerWait, ms: ${propagate ? 30000 : 300} }
`);
      const r = await h.run(`
id: kill-parent-${propagate}
namespace: test.engine
tasks:
  - { id: child, type: core.Subflow, namespace: test.engine, flowId: kill-child-${propagate}, wait: false }
  - { id: kill, type: core.Kill, propagateKill: ${propagate} }
`);
      expect(r.execution.state.current).toBe("KILLED");
      expect(r.state("child")).toBe("SUCCESS");
      const childId = ((await r.outputs("child")) as { executionId: string }).executionId;
      const child = await h.waitFor(childId, (e) => e.state.current === "KILLED" || e.state.current === "SUCCESS");
      expect(child.execution.state.current).toBe(propagate ? "KILLED" : "SUCCESS");
    });
  }

  it("Labels adds and replaces labels of the running execution; tasks after it read them", async () => {
    const r = await h.run(`
id: labels-task
namespace: test.engine
labels:
  team: data
tasks:
  - id: by-map
    type: io.kestra.plugin.core.execution.Labels
    labels:
      team: platform
      "{{ 'customer' }}": "{{ 'acme' | upper }}"
  - id: by-list
    type: core.Labels
    labels:
      - { key: order, value: 42 }
  - id: by-json
    type: core.Labels
    labels: '{{ {"region": "eu"} | json }}'
  - id: read
    type: core.Return
    format: "{{ labels.team }} {{ labels.customer }} {{ labels.order }} {{ labels.region }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.execution.labels).toMatchObject({ team: "platform", customer: "ACME", order: "42", region: "eu" });
    expect(await r.outputs("read")).toEqual({ value: "platform ACME 42 eu" });
    expect(r.runs("by-map")[0].attempts).toHaveLength(1);
  });

  it("Labels refuses a system label: the task fails and the label is not set", async () => {
    const r = await h.run(`
id: labels-system
namespace: test.engine
tasks:
  - id: sneaky
    type: core.Labels
    labels:
      system.correlationId: mine
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.execution.labels["system.correlationId"]).toBe(r.execution.id);
    expect(r.messages().join("\n")).toMatch(/System labels can only be set by Kestra itself/);
  });

  // Kestra's LabelServiceTest.shouldThrowExceptionOnEmptyLabelValueInLabelsTask; Label is (@NotEmpty key, @NotEmpty value)
  it("Labels refuses an empty value, rendered or written: the task fails and no label of it is set", async () => {
    const r = await h.run(`
id: labels-empty
namespace: test.engine
tasks:
  - id: empty
    type: io.kestra.plugin.core.execution.Labels
    labels:
      kept: "{{ 'yes' }}"
      invalidLabel: "{{ '' }}"
`);
    expect(r.execution.state.current).toBe("FAILED");
    expect(r.execution.labels.invalidLabel).toBeUndefined();
    expect(r.execution.labels.kept).toBeUndefined();
    expect(r.messages().join("\n")).toContain("Label values cannot be empty, offending label: invalidLabel");
  });

  it("SetVariables merges into vars for the tasks after it; UnsetVariables removes keys and dotted paths", async () => {
    const r = await h.run(`
id: set-variables
namespace: test.engine
variables:
  name: World
  nested: { keep: 1, drop: 2 }
tasks:
  - id: set
    type: io.kestra.plugin.core.execution.SetVariables
    variables:
      message: Hello
      name: "{{ 'Loïc' }}"
      nested: { added: 3 }
  - id: read
    type: core.Return
    format: "{{ vars.message }} {{ vars.name }} {{ vars.nested | json }}"
  - id: unset
    type: io.kestra.plugin.core.execution.UnsetVariables
    variables: [message, nested.drop]
  - id: after
    type: core.Return
    format: "{{ vars.message ?? 'gone' }} {{ vars.nested | json }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(await r.outputs("read")).toEqual({ value: 'Hello Loïc {"keep":1,"drop":2,"added":3}' });
    expect(await r.outputs("after")).toEqual({ value: 'gone {"keep":1,"added":3}' });
  });

  it("SetVariables with overwrite false fails on an existing key; UnsetVariables fails on a missing one unless ignoreMissing", async () => {
    const dup = await h.run(`
id: set-variables-duplicate
namespace: test.engine
variables: { name: World }
tasks:
  - id: set
    type: core.SetVariables
    overwrite: false
    variables: { name: Loïc }
`);
    expect(dup.execution.state.current).toBe("FAILED");
    expect(dup.messages().join("\n")).toMatch(/overwrite` is set to false and the following variables already exist: name/);
    const missing = await h.run(`
id: unset-missing
namespace: test.engine
tasks:
  - id: unset
    type: core.UnsetVariables
    variables: [nope]
  - id: tolerant
    type: core.UnsetVariables
    variables: [nope]
    ignoreMissing: true
    allowFailure: false
`);
    expect(missing.state("unset")).toBe("FAILED");
    const ok = await h.run(`
id: unset-ignore
namespace: test.engine
tasks:
  - id: tolerant
    type: core.UnsetVariables
    variables: [nope]
    ignoreMissing: true
`);
    expect(ok.execution.state.current).toBe("SUCCESS");
  });
});
