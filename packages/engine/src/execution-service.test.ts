import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "./engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

describe("ExecutionService.create", () => {
  it("drops a value given for no enabled input and warns in the execution's logs, as Kestra's readExecutionInputs does", async () => {
    const flow = await h.deploy(`
id: undeclared
namespace: test.inputs
inputs:
  - { id: known, type: STRING }
  - { id: gated, type: STRING, required: false, dependsOn: { inputs: [known], condition: "{{ inputs.known == 'open' }}" } }
tasks:
  - { id: t, type: core.Log, message: "{{ inputs.known }}" }
`);
    const execution = await h.executions.create({ flow, inputs: { known: "shut", gated: "x", other: "y" } });
    const logs = (await h.repository.findLogs(execution.id)).filter((l) => l.level === "WARN").map((l) => l.message);
    expect(logs.sort()).toEqual([
      "Input gated was provided for workflow test.inputs.undeclared but isn't declared in the workflow inputs",
      "Input other was provided for workflow test.inputs.undeclared but isn't declared in the workflow inputs",
    ]);
    const quiet = await h.executions.create({ flow, inputs: { known: "open", gated: "x" } });
    expect((await h.repository.findLogs(quiet.id)).filter((l) => l.level === "WARN")).toEqual([]);
  });
});

/** a harness of its own whose queue records each typed message sent, as "channel type" */
async function harnessRecordingSends() {
  const own = await createEngineHarness();
  const sent: string[] = [];
  const send = own.queue.send.bind(own.queue);
  own.queue.send = async <T>(channel: string, message: T, options?: Parameters<typeof send>[2]) => {
    const type = (message as { type?: string }).type;
    if (type) sent.push(`${channel} ${type}`);
    return send(channel, message, options);
  };
  return { own, sent };
}

describe("a new execution's created event", () => {
  it("is handled by this process's executor with no message through the queue; once the executor stopped, it goes through the queue", async () => {
    const { own, sent } = await harnessRecordingSends();
    try {
      const flow = await own.deploy(`
id: two
namespace: test.created
tasks:
  - { id: a, type: core.Log, message: one }
  - { id: b, type: core.Log, message: two }
`);
      const first = await own.executions.create({ flow, inputs: {} });
      await own.waitFor(first.id, (e) => e.state.current === "SUCCESS");
      const ended = await own.result(first.id);
      expect(ended.execution.state.current).toBe("SUCCESS");
      expect(ended.taskRuns.map((r) => `${r.taskId} ${r.state.current}`)).toEqual(["a SUCCESS", "b SUCCESS"]);
      // the executor's own events of it went through the queue (the workers' results); its creation did not
      expect(sent.filter((s) => s.endsWith(" created"))).toEqual([]);
      // a stopped executor takes nothing: the event waits in the queue for one that runs
      await own.executor.stop();
      const waiting = await own.executions.create({ flow, inputs: {} });
      expect(sent.filter((s) => s.endsWith(" created"))).toEqual([`executor created`]);
      expect((await own.repository.getExecution(waiting.id))?.execution.state.current).toBe("CREATED");
    } finally {
      await own.close();
    }
  });
  it("beyond the executor's concurrency (32) the created events wait in the queue, as every other event does", async () => {
    const { own, sent } = await harnessRecordingSends();
    // every event held at a gate: the 32 started here stay in hand while more are created
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const handle = own.executor.handle.bind(own.executor);
    own.executor.handle = async (event) => {
      await gate;
      return handle(event);
    };
    try {
      const flow = await own.deploy(`
id: burst
namespace: test.created
tasks:
  - { id: a, type: core.Log, message: one }
`);
      const created = [];
      for (let i = 0; i < 34; i++) created.push(await own.executions.create({ flow, inputs: {} }));
      expect(sent.filter((s) => s.endsWith(" created"))).toEqual(["executor created", "executor created"]);
      open();
      for (const execution of created) await own.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
    } finally {
      open();
      await own.close();
    }
  });
});
