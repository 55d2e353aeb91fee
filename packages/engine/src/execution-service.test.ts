import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperationalError } from "@ferry/sdk";
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

  it("names 100 undeclared inputs a line each and counts the rest in one (a body of a million keys asked for a million lines)", async () => {
    const flow = await h.deploy("id: flood\nnamespace: test.inputs\ntasks:\n  - { id: t, type: core.Log, message: hi }\n");
    const inputs = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i]));
    const execution = await h.executions.create({ flow, inputs });
    const warnings = (await h.repository.findLogs(execution.id)).filter((l) => l.level === "WARN").map((l) => l.message);
    expect(warnings).toHaveLength(101);
    expect(warnings[99]).toBe("Input k99 was provided for workflow test.inputs.flood but isn't declared in the workflow inputs");
    expect(warnings[100]).toBe("4900 more inputs were provided for workflow test.inputs.flood but aren't declared in the workflow inputs");
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
      // its row goes in with its first event's save: one insert, RUNNING with its first task run, no save of it CREATED
      const inserts: string[] = [];
      const saves: string[] = [];
      const insert = own.repository.insertExecution.bind(own.repository);
      const save = own.repository.saveExecution.bind(own.repository);
      own.repository.insertExecution = async (execution, runs) => (inserts.push(`${execution.state.current} v${execution.version} ${(runs ?? []).map((r) => `${r.taskId} ${r.state.current}`).join(",")}`), insert(execution, runs));
      own.repository.saveExecution = async (execution, runs, options) => (saves.push(`${execution.state.current} at ${options?.expectedVersion}`), save(execution, runs, options));
      const first = await own.executions.create({ flow, inputs: {} });
      // written by the time the create answers
      expect((await own.repository.getExecution(first.id))?.execution.version).toBe(1);
      await own.waitFor(first.id, (e) => e.state.current === "SUCCESS");
      expect(inserts).toEqual(["RUNNING v1 a QUEUED"]);
      expect(saves.every((s) => !s.endsWith("at undefined"))).toBe(true);
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
    // every first save held at a gate: the 32 started here stay in hand while more are created
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const insert = own.repository.insertExecution.bind(own.repository);
    own.repository.insertExecution = async (execution, runs) => {
      // the first saves of those started here (RUNNING); the rows of those sent through the queue are written CREATED
      if (execution.state.current === "RUNNING") await gate;
      return insert(execution, runs);
    };
    try {
      const flow = await own.deploy(`
id: burst
namespace: test.created
tasks:
  - { id: a, type: core.Log, message: one }
`);
      // the create answers once the first save is written: the 32 held answer when the gate opens
      const creating = Array.from({ length: 34 }, () => own.executions.create({ flow, inputs: {} }));
      for (const deadline = Date.now() + 30_000; sent.filter((s) => s.endsWith(" created")).length < 2 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(sent.filter((s) => s.endsWith(" created"))).toEqual(["executor created", "executor created"]);
      open();
      const created = await Promise.all(creating);
      for (const execution of created) await own.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
      expect(sent.filter((s) => s.endsWith(" created"))).toHaveLength(2);
    } finally {
      open();
      await own.close();
    }
  });

  it("a second create under an id taken writes nothing and starts nothing: the first creator's execution runs once", async () => {
    const { own, sent } = await harnessRecordingSends();
    try {
      const flow = await own.deploy(`
id: twice
namespace: test.created
tasks:
  - { id: a, type: core.Log, message: one }
`);
      const id = "twice0000000000000001";
      const first = await own.executions.create({ flow, inputs: {}, id });
      const second = await own.executions.create({ flow, inputs: {}, id, labels: { second: "yes" } });
      expect(second.id).toBe(first.id);
      await own.waitFor(id, (e) => e.state.current === "SUCCESS");
      const ended = await own.result(id);
      expect(ended.taskRuns.map((r) => `${r.taskId} ${r.state.current} ${r.attempts.length}`)).toEqual(["a SUCCESS 1"]);
      expect(ended.execution.labels.second).toBeUndefined();
      expect(sent.filter((s) => s.endsWith(" created"))).toEqual([]);
    } finally {
      await own.close();
    }
  });
  it("a second create under a taken id with other inputs and trigger leaves the first's documents as they were, and storage as it was", async () => {
    const { own } = await harnessRecordingSends();
    try {
      const flow = await own.deploy(`
id: taken
namespace: test.created
inputs:
  - { id: name, type: STRING }
tasks:
  - { id: a, type: core.Log, message: "{{ inputs.name }}" }
`);
      const id = "taken0000000000000001";
      const trigger = (n: number) => ({ id: "hook", type: "core.trigger.Webhook", variables: { body: { n } } });
      const first = await own.executions.createNew({ flow, inputs: { name: "first" }, id, trigger: trigger(1) });
      expect(first.inserted).toBe(true);
      await own.waitFor(id, (e) => e.state.current === "SUCCESS");
      const prefix = `test/created/taken/executions/${id}`;
      const before = (await own.storage.list(prefix)).sort();
      const second = await own.executions.createNew({ flow, inputs: { name: "second" }, id, trigger: trigger(2) });
      expect(second.inserted).toBe(false);
      expect((await own.storage.list(prefix)).sort()).toEqual(before);
      const stored = (await own.repository.getExecution(id))!.execution;
      // read from storage, not this process's cache: what another process would read
      const read = async (uri: string) => JSON.parse(new TextDecoder().decode(await own.storage.get(uri.slice("ferry://".length))));
      expect(await read(stored.inputsUri!)).toEqual({ name: "first" });
      expect(await read(stored.trigger!.variablesUri!)).toEqual({ body: { n: 1 } });
    } finally {
      await own.close();
    }
  });
  it("the database out of reach at the first save: the create is refused (503, OperationalError), nothing saved", async () => {
    const { own } = await harnessRecordingSends();
    try {
      const flow = await own.deploy(`
id: outage
namespace: test.created
tasks:
  - { id: a, type: core.Log, message: one }
`);
      const insert = own.repository.insertExecution.bind(own.repository);
      own.repository.insertExecution = async () => {
        throw new OperationalError("the database is out of reach");
      };
      const id = "outage000000000000001";
      // OperationalError: the API's 503
      await expect(own.executions.create({ flow, inputs: {}, id })).rejects.toBeInstanceOf(OperationalError);
      expect(await own.repository.getExecution(id)).toBeUndefined();
      own.repository.insertExecution = insert;
      const later = await own.executions.create({ flow, inputs: {} });
      await own.waitFor(later.id, (e) => e.state.current === "SUCCESS");
    } finally {
      await own.close();
    }
  });
  it("a first save refused for another reason: the execution is saved as created, then failed with the error in its logs", async () => {
    const { own } = await harnessRecordingSends();
    try {
      const flow = await own.deploy(`
id: refused
namespace: test.created
tasks:
  - { id: a, type: core.Log, message: one }
`);
      const insert = own.repository.insertExecution.bind(own.repository);
      let refusals = 0;
      const inserts: string[] = [];
      own.repository.insertExecution = async (execution, runs) => {
        inserts.push(`${execution.state.current} ${execution.state.histories.map((h) => h.state).join(">")} runs ${(runs ?? []).length}`);
        if (execution.state.current === "RUNNING" && refusals++ === 0) throw new Error("a bad row");
        return insert(execution, runs);
      };
      const created = await own.executions.create({ flow, inputs: {} });
      await own.waitFor(created.id, (e) => e.state.current === "FAILED");
      // the fallback writes the execution as it was made, not what the refused walk had done to it
      expect(inserts).toEqual(["RUNNING CREATED>RUNNING runs 1", "CREATED CREATED runs 0"]);
      const logs = (await own.repository.findLogs(created.id)).filter((l) => l.level === "ERROR").map((l) => l.message);
      expect(logs.some((m) => m.includes("a bad row"))).toBe(true);
    } finally {
      await own.close();
    }
  });

  it("the first save's answer lost (the database went away after it landed): the create goes on once it is back, the execution runs once", async () => {
    const { own } = await harnessRecordingSends();
    try {
      const flow = await own.deploy(`
id: unanswered
namespace: test.created
tasks:
  - { id: a, type: core.Log, message: once }
`);
      const insert = own.repository.insertExecution.bind(own.repository);
      let lost = 0;
      own.repository.insertExecution = async (execution, runs) => {
        await insert(execution, runs);
        if (lost++ === 0) throw new OperationalError("Connection terminated unexpectedly");
      };
      const created = await own.executions.create({ flow, inputs: {} });
      await own.waitFor(created.id, (e) => e.state.current === "SUCCESS");
      const ended = await own.result(created.id);
      expect(ended.taskRuns.map((r) => `${r.taskId} ${r.state.current} ${r.attempts.length}`)).toEqual(["a SUCCESS 1"]);
      expect(ended.messages().filter((m) => m === "once")).toHaveLength(1);
      own.repository.insertExecution = insert;
    } finally {
      await own.close();
    }
  });

  it("a second create under a taken id on a concurrency-limited flow (saved before its slot) writes nothing: the first runs once", async () => {
    const { own } = await harnessRecordingSends();
    try {
      const flow = await own.deploy(`
id: limited-twice
namespace: test.created
concurrency: { limit: 2 }
tasks:
  - { id: a, type: core.Log, message: one }
`);
      const id = "limitedtwice000000001";
      await own.executions.create({ flow, inputs: {}, id });
      await own.waitFor(id, (e) => e.state.current === "SUCCESS");
      await own.executions.create({ flow, inputs: {}, id, labels: { second: "yes" } });
      const ended = await own.result(id);
      expect(ended.execution.state.current).toBe("SUCCESS");
      expect(ended.taskRuns.map((r) => `${r.taskId} ${r.state.current} ${r.attempts.length}`)).toEqual(["a SUCCESS 1"]);
      expect(ended.execution.labels.second).toBeUndefined();
    } finally {
      await own.close();
    }
  });
});
