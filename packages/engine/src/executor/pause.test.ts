import { parseFlow } from "@ferry/core";
import { isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import { resumeCommand } from "../resume-request.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

const paused = (e: ExecutionRecord) => e.state.current === "PAUSED";
const ended = (e: ExecutionRecord) => isTerminal(e.state.current);

/** deploys and starts the flow, and waits until it is PAUSED */
async function startPaused(source: string) {
  const flow = await h.deploy(source);
  const execution = await h.executions.create({ flow });
  const found = await h.waitFor(execution.id, paused);
  return { flow, id: execution.id, found };
}

async function resume(id: string, inputs: Record<string, unknown> = {}) {
  const found = (await h.repository.getExecution(id))!;
  const flow = await h.flows.get(found.execution.namespace, found.execution.flowId, found.execution.flowRevision);
  return h.executor.handle(await resumeCommand(found, flow, h.registry, inputs));
}

describe("core.Pause: the executor holds the execution until it is resumed", () => {
  it("pauses the task run and the execution; a resume with onResume inputs goes on, the values typed as the Pause's outputs", async () => {
    const { id, found } = await startPaused(`
id: pause-approve
namespace: test.pause
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - { id: approved, type: BOOLEAN }
      - { id: reason, type: STRING, defaults: fine }
  - { id: after, type: core.Log, message: "approved={{ outputs.wait.onResume.approved }} reason={{ outputs.wait.onResume.reason }}" }
`);
    expect(found.taskRuns.map((r) => [r.taskId, r.state.current])).toEqual([["wait", "PAUSED"]]);
    await resume(id, { approved: "true" });
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.execution.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "PAUSED", "RUNNING", "SUCCESS"]);
    expect(r.state("wait")).toBe("SUCCESS");
    expect(await r.outputs("wait")).toEqual({ onResume: { approved: true, reason: "fine" } });
    expect(r.messages()).toContain("approved=true reason=fine");
  });

  it("refuses a resume with a wrong or missing input (naming it) and a second resume (409), changing nothing", async () => {
    const { id, flow } = await startPaused(`
id: pause-refusals
namespace: test.pause
tasks:
  - id: wait
    type: core.Pause
    onResume:
      - { id: count, type: INT }
  - { id: after, type: core.Log, message: "{{ outputs.wait.onResume.count }}" }
`);
    const found = (await h.repository.getExecution(id))!;
    await expect(resumeCommand(found, flow, h.registry, {})).rejects.toMatchObject({ status: 422, message: expect.stringContaining("count") });
    await expect(resumeCommand(found, flow, h.registry, { count: "many" })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("count") });
    await expect(resumeCommand(found, flow, h.registry, { count: 1, other: 2 })).rejects.toMatchObject({ status: 422, message: expect.stringContaining("other") });
    expect((await h.repository.getExecution(id))!.execution.state.current).toBe("PAUSED");
    const command = await resumeCommand(found, flow, h.registry, { count: "3" });
    await h.executor.handle(command);
    await expect(h.executor.handle(command)).rejects.toMatchObject({ status: 409 });
    const done = await h.waitFor(id, ended);
    await expect(resumeCommand(done, flow, h.registry, { count: 4 })).rejects.toMatchObject({ status: 409, message: expect.stringContaining("SUCCESS") });
    expect(await (await h.result(id)).outputs("wait")).toEqual({ onResume: { count: 3 } });
  });

  it("a kill ends a PAUSED execution KILLED, and nothing after the Pause runs", async () => {
    const { id } = await startPaused(`
id: pause-kill
namespace: test.pause
tasks:
  - { id: wait, type: core.Pause }
  - { id: after, type: core.Log, message: never }
`);
    await h.executor.handle({ type: "kill", executionId: id });
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("KILLED");
    expect(r.state("wait")).toBe("KILLED");
    expect(r.runs("after")).toHaveLength(0);
  });

  it("legacy tasks under the Pause run once it is resumed; a second Pause in a parallel branch keeps the execution PAUSED", async () => {
    const { id } = await startPaused(`
id: pause-legacy
namespace: test.pause
tasks:
  - id: both
    type: core.Parallel
    tasks:
      - id: first
        type: core.Pause
        tasks:
          - { id: inner, type: core.Log, message: inner ran }
      - { id: second, type: core.Pause }
`);
    let found = await h.waitFor(id, (e) => paused(e));
    for (let end = Date.now() + 20_000; found.taskRuns.filter((r) => r.state.current === "PAUSED").length < 2 && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 20));
      found = (await h.repository.getExecution(id))!;
    }
    await resume(id);
    found = (await h.repository.getExecution(id))!;
    expect(found.execution.state.current).toBe("PAUSED");
    expect(found.taskRuns.filter((r) => r.state.current === "PAUSED")).toHaveLength(1);
    await resume(id);
    const r = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("inner")).toBe("SUCCESS");
    expect(r.messages()).toContain("inner ran");
  });

  for (const [behavior, pauseState, executionState, afterRuns] of [
    ["RESUME", "SUCCESS", "SUCCESS", 1],
    ["WARN", "WARNING", "WARNING", 1],
    ["FAIL", "FAILED", "FAILED", 0],
    ["CANCEL", "CANCELLED", "CANCELLED", 0],
  ] as const) {
    it(`pauseDuration passed with behavior ${behavior}: the Pause ends ${pauseState}, the execution ${executionState}`, async () => {
      const r = await h.run(`
id: pause-${behavior.toLowerCase()}
namespace: test.pause
tasks:
  - id: wait
    type: core.Pause
    pauseDuration: PT0.3S
    behavior: ${behavior}
  - { id: after, type: core.Log, message: after }
`);
      expect(r.execution.state.histories.map((s) => s.state)).toContain("PAUSED");
      expect(r.state("wait")).toBe(pauseState);
      expect(r.execution.state.current).toBe(executionState);
      expect(r.runs("after")).toHaveLength(afterRuns);
    });
  }

  it("without pauseDuration the task's timeout fails the Pause once passed (the deprecated delay is pauseDuration)", async () => {
    const timedOut = await h.run(`
id: pause-timeout
namespace: test.pause
tasks:
  - { id: wait, type: core.Pause, timeout: PT0.3S }
errors:
  - { id: handler, type: core.Log, message: timed out }
`);
    expect(timedOut.state("wait")).toBe("FAILED");
    expect(timedOut.execution.state.current).toBe("FAILED");
    expect(timedOut.messages()).toContain("timed out");
    const delayed = await h.run(`
id: pause-delay
namespace: test.pause
tasks:
  - { id: wait, type: io.kestra.core.tasks.flows.Pause, delay: PT0.3S }
`);
    expect(delayed.execution.state.current).toBe("SUCCESS");
    const shorter = await h.run(`
id: pause-timeout-shorter
namespace: test.pause
tasks:
  - { id: wait, type: core.Pause, pauseDuration: PT1H, timeout: PT0.3S, allowFailure: true }
`);
    expect(shorter.state("wait")).toBe("WARNING");
    expect(shorter.messages()).toContain("the pause elapsed before the execution was resumed");
  });

  it("a Pause among afterExecution tasks fails: nobody could resume an ended execution", async () => {
    const r = await h.run(`
id: pause-after-execution
namespace: test.pause
tasks:
  - { id: first, type: core.Log, message: first }
afterExecution:
  - { id: wait, type: core.Pause }
`);
    // the execution ended before its afterExecution tasks did: wait for the Pause's end
    const pauseEnded = async () => (await h.repository.getExecution(r.execution.id))!.taskRuns.some((t) => t.taskId === "wait" && isTerminal(t.state.current));
    for (const end = Date.now() + 20_000; !(await pauseEnded()) && Date.now() < end; ) await new Promise((res) => setTimeout(res, 20));
    const after = await h.result(r.execution.id);
    expect(after.state("wait")).toBe("FAILED");
    expect(after.messages().join("\n")).toContain("a Pause cannot hold execution");
  });

  it("a pause that elapsed goes on with its onResume defaults as outputs", async () => {
    const r = await h.run(`
id: pause-defaults
namespace: test.pause
tasks:
  - id: wait
    type: core.Pause
    pauseDuration: PT0.2S
    onResume:
      - { id: reason, type: STRING, defaults: nobody answered }
  - { id: after, type: core.Log, message: "{{ outputs.wait.onResume.reason }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.messages()).toContain("nobody answered");
  });

  it("the pause outlives a restart: its wake-up, lost with the in-memory queue, is armed again from the repository", async () => {
    const first = await createEngineHarness();
    const flow = await first.deploy(`
id: pause-restart
namespace: test.pause
tasks:
  - { id: wait, type: core.Pause, pauseDuration: PT1S, behavior: WARN }
  - { id: after, type: core.Log, message: after the restart }
`);
    const { id } = await first.executions.create({ flow });
    await first.waitFor(id, paused);
    await first.close(true); // the queue and its delayed wake-up are gone
    const second = await createEngineHarness([], { dir: first.dir });
    try {
      const r = await second.result((await second.waitFor(id, ended)).execution.id);
      expect(r.execution.state.current).toBe("WARNING");
      expect(r.state("wait")).toBe("WARNING");
      expect(r.messages()).toContain("after the restart");
    } finally {
      await second.close();
    }
  });

  it("a Pause without tasks, errors or finally ends at once when resumed or elapsed, never RUNNING again; one with tasks goes on RUNNING (Kestra's ExecutionService.markAs, PauseTest.runDurationFromInput)", async () => {
    const histories = async (source: string, resumeIt: boolean) => {
      const flow = await h.deploy(source);
      const execution = await h.executions.create({ flow });
      if (resumeIt) {
        await h.waitFor(execution.id, paused);
        await resume(execution.id);
      }
      await h.waitFor(execution.id, ended);
      const r = await h.result(execution.id);
      return { execution: r.execution.state.current, runs: r.taskRuns.length, pause: r.taskRuns[0].state.histories.map((s) => s.state) };
    };
    // PauseTest.runDurationFromInput: PAUSED once, RUNNING once, two task runs
    expect(await histories(`
id: pause-elapsed-alone
namespace: test.pause
tasks:
  - { id: pause, type: core.Pause, pauseDuration: PT0.5S }
  - { id: last, type: core.Log, message: after }
`, false)).toEqual({ execution: "SUCCESS", runs: 2, pause: ["CREATED", "RUNNING", "PAUSED", "SUCCESS"] });
    // behavior WARN: the Pause ends WARNING straight from PAUSED (markAs with the behavior's state)
    expect(await histories(`
id: pause-elapsed-warn
namespace: test.pause
tasks:
  - { id: pause, type: core.Pause, pauseDuration: PT0.5S, behavior: WARN }
  - { id: last, type: core.Log, message: after }
`, false)).toEqual({ execution: "WARNING", runs: 2, pause: ["CREATED", "RUNNING", "PAUSED", "WARNING"] });
    // resumed through the API
    expect(await histories(`
id: pause-resumed-alone
namespace: test.pause
tasks:
  - { id: pause, type: core.Pause }
  - { id: last, type: core.Log, message: after }
`, true)).toEqual({ execution: "SUCCESS", runs: 2, pause: ["CREATED", "RUNNING", "PAUSED", "SUCCESS"] });
    // with tasks (Kestra's deprecated Pause.tasks), it goes RUNNING again to run them
    expect(await histories(`
id: pause-with-tasks
namespace: test.pause
tasks:
  - id: pause
    type: core.Pause
    pauseDuration: PT0.5S
    tasks:
      - { id: inside, type: core.Log, message: inside }
  - { id: last, type: core.Log, message: after }
`, false)).toEqual({ execution: "SUCCESS", runs: 3, pause: ["CREATED", "RUNNING", "PAUSED", "RUNNING", "SUCCESS"] });
  });

  it("onPause runs under the Pause while the execution waits, then the pause elapses: two task runs, both SUCCESS (Kestra's pause_on_pause.yaml, PauseTest.shouldExecuteOnPauseTask)", async () => {
    const flow = await h.deploy(`
id: pause-on-pause
namespace: test.pause
tasks:
  - id: pause
    type: io.kestra.plugin.core.flow.Pause
    pauseDuration: PT2S
    onPause:
      id: hello
      type: io.kestra.plugin.core.log.Log
      message: "hello while {{ execution.state }}"
`);
    const execution = await h.executions.create({ flow });
    await h.waitFor(execution.id, ended);
    const r = await h.result(execution.id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.taskRuns.map((t) => [t.taskId, t.state.current])).toEqual([["pause", "SUCCESS"], ["hello", "SUCCESS"]]);
    const pause = r.taskRuns[0];
    expect(r.taskRuns[1].parentTaskRunId).toBe(pause.id);
    // a Pause without tasks, errors or finally ends at once when its pause elapses (Kestra's ExecutionService.markAs):
    // one PAUSED, one RUNNING in its history, as PauseTest's runDelay counts them
    const count = (state: string) => pause.state.histories.filter((s) => s.state === state).length;
    expect([count("PAUSED"), count("RUNNING"), pause.state.current]).toEqual([1, 1, "SUCCESS"]);
    expect(r.messages()).toContain("hello while PAUSED");
  });

  it("onPause runs while a Pause waits to be resumed; the execution stays PAUSED after it ended, a resume ends both", async () => {
    const { id } = await startPaused(`
id: pause-on-pause-manual
namespace: test.pause
tasks:
  - id: pause
    type: core.Pause
    onPause: { id: notify, type: core.OutputValues, values: { at: "{{ execution.id }}" } }
  - { id: after, type: core.Log, message: "after {{ outputs.notify.values.at }}" }
`);
    let held = (await h.repository.getExecution(id))!;
    for (const end = Date.now() + 20_000; !held.taskRuns.some((t) => t.taskId === "notify" && isTerminal(t.state.current)) && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 10));
      held = (await h.repository.getExecution(id))!;
    }
    expect(held.execution.state.current).toBe("PAUSED");
    expect(held.taskRuns.map((t) => [t.taskId, t.state.current])).toEqual([["pause", "PAUSED"], ["notify", "SUCCESS"]]);
    await resume(id);
    await h.waitFor(id, ended);
    const r = await h.result(id);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.taskRuns.map((t) => t.taskId)).toEqual(["pause", "notify", "after"]);
    expect(r.messages()).toContain(`after ${id}`);
  });

  it("refuses onPause written as a list (Kestra's onPause is one task) and an onPause task of an unknown type", () => {
    expect(() => parseFlow("id: p\nnamespace: test.pause\ntasks:\n  - id: pause\n    type: core.Pause\n    onPause:\n      - { id: a, type: core.Log, message: a }\n", h.registry)).toThrow(/onPause is one task.*not a list/);
    expect(() => parseFlow("id: p\nnamespace: test.pause\ntasks:\n  - id: pause\n    type: core.Pause\n    onPause: { id: a, type: core.Nope }\n", h.registry)).toThrow(/onPause.*core\.Nope|core\.Nope/s);
  });

  it("refuses at deploy an onResume input that breaks the input schema, and both delay and pauseDuration", () => {
    expect(() => parseFlow("id: bad\nnamespace: test.pause\ntasks:\n  - id: wait\n    type: core.Pause\n    onResume:\n      - { id: x, type: NOPE }\n", h.registry)).toThrow(/onResume.*unknown input type 'NOPE'|unknown input type 'NOPE'/s);
    expect(() => parseFlow("id: bad\nnamespace: test.pause\ntasks:\n  - id: wait\n    type: core.Pause\n    onResume:\n      - { id: x, type: STRING }\n      - { id: x, type: INT }\n", h.registry)).toThrow(/duplicate input id 'x'/);
    expect(() => parseFlow("id: bad\nnamespace: test.pause\ntasks:\n  - id: wait\n    type: core.Pause\n    delay: PT1S\n    pauseDuration: PT1S\n", h.registry)).toThrow(/deprecated name/);
    expect(() => parseFlow("id: bad\nnamespace: test.pause\ntasks:\n  - id: wait\n    type: core.Pause\n    behavior: SOMETIMES\n", h.registry)).toThrow(/behavior is one of RESUME, WARN, FAIL, CANCEL/);
  });
});

describe("core.execution.Resume: a task resumes a paused execution", () => {
  it("resumes this execution's Pause in another branch, with inputs", async () => {
    const r = await h.run(`
id: resume-self
namespace: test.pause
tasks:
  - id: both
    type: core.Parallel
    tasks:
      - id: wait
        type: core.Pause
        onResume:
          - { id: who, type: STRING }
      - id: resume
        type: io.kestra.plugin.core.execution.Resume
        inputs:
          who: "{{ flow.id }}"
  - { id: after, type: core.Log, message: "resumed by {{ outputs.wait.onResume.who }}, vars {{ vars.resumedExecution.flowId }}" }
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    expect(r.state("resume")).toBe("SUCCESS");
    expect(r.messages()).toContain("resumed by resume-self, vars resume-self");
  });

  it("resumes another execution of a flow by id; resuming one that is not PAUSED fails the task, naming its state", async () => {
    const { id } = await startPaused(`
id: resume-target
namespace: test.pause
tasks:
  - id: wait
    type: core.Pause
    onResume:
      - { id: approved, type: BOOLEAN }
  - { id: after, type: core.Log, message: "approved {{ outputs.wait.onResume.approved }}" }
`);
    const resumer = `
id: resumer
namespace: test.pause
inputs:
  - { id: target, type: STRING }
tasks:
  - id: resume
    type: core.execution.Resume
    executionId: "{{ inputs.target }}"
    namespace: test.pause
    flowId: resume-target
    inputs: { approved: true }
`;
    const first = await h.run(resumer, { target: id });
    expect(first.execution.state.current).toBe("SUCCESS");
    const target = await h.result((await h.waitFor(id, ended)).execution.id);
    expect(target.execution.state.current).toBe("SUCCESS");
    expect(target.messages()).toContain("approved true");
    const again = await h.run(resumer, { target: id });
    expect(again.state("resume")).toBe("FAILED");
    expect(again.messages().join("\n")).toContain("is SUCCESS; only a PAUSED execution is resumed");
    const elsewhere = await h.run(resumer.replace("flowId: resume-target", "flowId: another-flow"), { target: id });
    expect(elsewhere.messages().join("\n")).toContain(`No execution found for execution id ${id} of flow test.pause.another-flow`);
  });
});
