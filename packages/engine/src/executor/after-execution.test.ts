import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("afterExecution", () => {
  it("runs once the execution ended, sees its final state and outputs, and does not change it", async () => {
    const r = await h.run(`
id: after-execution
namespace: test.after
tasks:
  - { id: mytask, type: core.Return, format: "this is a task output used as a final flow output" }
outputs:
  - { id: final, type: STRING, value: "{{ outputs.mytask.value }}" }
afterExecution:
  - id: end
    type: io.kestra.plugin.core.output.OutputValues
    values:
      state: "{{ execution.state }}"
      output: "{{ execution.outputs.final }}"
  - { id: broken, type: core.Fail }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const end = r.runs("end")[0];
    expect(end.state.current).toBe("SUCCESS");
    expect(Date.parse(end.state.startDate)).toBeGreaterThanOrEqual(Date.parse(r.execution.state.endDate!));
    expect(await r.outputs("end")).toEqual({ values: { state: "SUCCESS", output: "this is a task output used as a final flow output" } });
    expect(r.state("broken")).toBe("FAILED");
  });

  it("listeners (Kestra's deprecated form) run their tasks once the execution ended, before afterExecution (Kestra's after-execution-listener.yaml)", async () => {
    const r = await h.run(`
id: after-execution-listener
namespace: test.after
tasks:
  - { id: hello, type: io.kestra.plugin.core.log.Log, message: "Hello" }
listeners:
  - tasks:
      - { id: listenerTask, type: io.kestra.plugin.core.log.Log, message: "listener sees {{ execution.state }}" }
afterExecution:
  - id: end
    type: io.kestra.plugin.core.output.OutputValues
    values:
      state: "{{ execution.state }}"
`);
    // AfterExecutionTestCase.shouldCallTasksAfterListener: SUCCESS, three task runs, each starting once the one before ended
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.taskRuns.map((t) => [t.taskId, t.state.current])).toEqual([["hello", "SUCCESS"], ["listenerTask", "SUCCESS"], ["end", "SUCCESS"]]);
    const [hello, listener, end] = r.taskRuns;
    expect(Date.parse(listener.state.startDate)).toBeGreaterThanOrEqual(Date.parse(hello.state.endDate!));
    expect(Date.parse(end.state.startDate)).toBeGreaterThanOrEqual(Date.parse(listener.state.endDate!));
    expect(Date.parse(end.state.startDate)).toBeGreaterThanOrEqual(Date.parse(r.execution.state.endDate!));
    expect(await r.outputs("end")).toEqual({ values: { state: "SUCCESS" } });
    expect(r.messages()).toContain("listener sees SUCCESS");
  });

  it("a failed listener or afterExecution task does not stop the ones after it (Kestra's ListenersTest.failedMultipleListeners, listeners-multiple-failed.yaml)", async () => {
    // handleAfterExecution resolves listeners, then afterExecution, with FlowableUtils.resolveSequentialNexts(execution, tasks):
    // no errors branch, the next task starts once the last one is terminated, FAILED included
    const r = await h.run(`
id: listeners-multiple-failed
namespace: test.after
listeners:
  - tasks:
      - { id: ko, type: io.kestra.plugin.core.execution.Fail }
  - tasks:
      - { id: l2, type: io.kestra.plugin.core.debug.Return, format: "{{ task.id }}" }
tasks:
  - { id: first, type: io.kestra.plugin.core.debug.Return, format: "{{ task.id }}" }
afterExecution:
  - { id: broken, type: core.Fail }
  - { id: end, type: core.OutputValues, values: { state: "{{ execution.state }}" } }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.taskRuns.map((t) => [t.taskId, t.state.current])).toEqual([
      ["first", "SUCCESS"],
      ["ko", "FAILED"],
      ["l2", "SUCCESS"],
      ["broken", "FAILED"],
      ["end", "SUCCESS"],
    ]);
    const [, ko, l2, broken, end] = r.taskRuns;
    expect(Date.parse(l2.state.startDate)).toBeGreaterThanOrEqual(Date.parse(ko.state.endDate!));
    expect(Date.parse(end.state.startDate)).toBeGreaterThanOrEqual(Date.parse(broken.state.endDate!));
    expect(await r.outputs("end")).toEqual({ values: { state: "SUCCESS" } });
  });

  it("runs after errors on a failed execution, and after an Exit, which keep their states", async () => {
    const failed = await h.run(`
id: after-execution-error
namespace: test.after
tasks:
  - { id: fail, type: io.kestra.plugin.core.execution.Fail }
errors:
  - { id: hello, type: core.Log, message: "I'm failing" }
afterExecution:
  - { id: end, type: core.OutputValues, values: { state: "{{ execution.state }}" } }
`);
    expect(failed.execution.state.current).toBe("FAILED");
    expect(failed.state("hello")).toBe("SUCCESS");
    expect(await failed.outputs("end")).toEqual({ values: { state: "FAILED" } });
    const exited = await h.run(`
id: after-exit
namespace: test.after
tasks:
  - { id: stop, type: core.Exit, state: WARNING }
  - { id: never, type: core.Log, message: never }
afterExecution:
  - { id: end, type: core.OutputValues, values: { state: "{{ execution.state }}" } }
`);
    expect(exited.execution.state.current).toBe("WARNING");
    expect(exited.runs("never")).toHaveLength(0);
    expect(await exited.outputs("end")).toEqual({ values: { state: "WARNING" } });
  });

  it("a parent waits for a child's afterExecution tasks before going on", async () => {
    await h.deploy(`
id: child-with-after
namespace: test.after
tasks:
  - { id: work, type: core.Log, message: work }
afterExecution:
  - { id: slow, type: core.Sleep, duration: PT0.3S }
`);
    const r = await h.run(`
id: parent-of-after
namespace: test.after
tasks:
  - { id: call, type: core.Subflow, namespace: test.after, flowId: child-with-after }
  - { id: next, type: core.Log, message: next }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const child = await h.repository.getExecution(((await r.outputs("call")) as { executionId: string }).executionId);
    const slow = child!.taskRuns.find((t) => t.taskId === "slow")!;
    expect(slow.state.current).toBe("SUCCESS");
    expect(Date.parse(r.runs("next")[0].state.startDate)).toBeGreaterThanOrEqual(Date.parse(slow.state.endDate!));
  });
});
