import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

/*
 * Kestra's scheduleDate (ExecutionEventMessageHandler holds a CREATED execution whose date is
 * ahead with a RESUME_FLOW ExecutionDelay; ExecutionDelayProcessor starts it then): on an
 * execution created directly, by a Subflow and by a ForEachItem.
 */
let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness();
  await h.deploy("id: child\nnamespace: test.scheduled\ninputs:\n  - { id: n, type: STRING, defaults: x }\ntasks:\n  - { id: hello, type: core.Log, message: 'child {{ inputs.n }}' }\n");
}, 30_000);
afterAll(async () => h?.close());

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
/** when the execution went RUNNING */
const startedAt = (e: ExecutionRecord) => Date.parse(e.state.histories.find((s) => s.state === "RUNNING")!.date);
const flow = (id: string) => `id: ${id}\nnamespace: test.scheduled\ntasks:\n  - { id: hello, type: core.Log, message: hi }\n`;

describe("an execution created with a scheduleDate", () => {
  it("waits CREATED, with no task run, until the date; a kill ends it KILLED without running anything", async () => {
    const created = await h.executions.create({ flow: await h.deploy(flow("held")), scheduleDate: inSeconds(86_400) });
    expect(created.scheduleDate).toBe(new Date(Date.parse(created.scheduleDate!)).toISOString());
    const seen = await h.executor.handle({ type: "created", executionId: created.id });
    expect(seen?.execution.state.current).toBe("CREATED");
    const stored = (await h.repository.getExecution(created.id))!;
    expect(stored.execution.state.current).toBe("CREATED");
    expect(stored.taskRuns).toHaveLength(0);
    await h.executor.handle({ type: "kill", executionId: created.id });
    const killed = await h.waitFor(created.id, (e) => isTerminal(e.state.current));
    expect(killed.execution.state.current).toBe("KILLED");
    expect(killed.taskRuns).toHaveLength(0);
  });

  it("starts once the date came, not before: it runs to its end", async () => {
    const scheduleDate = inSeconds(1.5);
    const created = await h.executions.create({ flow: await h.deploy(flow("soon")), scheduleDate });
    const done = await h.waitFor(created.id, (e) => isTerminal(e.state.current));
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(done.execution.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "SUCCESS"]);
    expect(startedAt(done.execution)).toBeGreaterThanOrEqual(Date.parse(scheduleDate));
  });

  it("a date already passed starts it at once", async () => {
    const r = await h.executions.create({ flow: await h.deploy(flow("passed")), scheduleDate: "2020-01-01T00:00:00+01:00" });
    expect(r.scheduleDate).toBe("2019-12-31T23:00:00.000Z");
    expect((await h.waitFor(r.id, (e) => isTerminal(e.state.current))).execution.state.current).toBe("SUCCESS");
  });

  it("refuses a date without an offset, or that is no date, and creates nothing", async () => {
    const f = await h.deploy(flow("refused"));
    await expect(h.executions.create({ flow: f, scheduleDate: "2030-01-01T10:00:00" })).rejects.toThrow(/scheduleDate '2030-01-01T10:00:00' is not a date-time with an offset/);
    await expect(h.executions.create({ flow: f, scheduleDate: "2030-02-30T10:00:00Z" })).rejects.toThrow(/is not a date-time/);
    expect((await h.repository.searchExecutions({ namespace: "test.scheduled", flowId: "refused", page: 1, size: 10 })).total).toBe(0);
  });

  it("counts its MAX_DURATION SLA from its date, not from its creation", async () => {
    // created 4 s before it may start: counted from creation a PT3S SLA would end it at once
    const sla = "id: sla_held\nnamespace: test.scheduled\nsla:\n  - { id: quick, type: MAX_DURATION, duration: PT3S, behavior: FAIL }\ntasks:\n  - { id: hello, type: core.Log, message: hi }\n";
    const created = await h.executions.create({ flow: await h.deploy(sla), scheduleDate: inSeconds(4) });
    const done = await h.waitFor(created.id, (e) => isTerminal(e.state.current));
    expect(done.execution.state.current).toBe("SUCCESS");
    expect(done.taskRuns.map((r) => r.state.current)).toEqual(["SUCCESS"]);
  });

  it("outlives a restart: the wait is the repository's scheduleDate, armed again by the new process", async () => {
    const first = await createEngineHarness();
    const scheduleDate = inSeconds(2);
    const { id } = await first.executions.create({ flow: await first.deploy(flow("restarted")), scheduleDate });
    await first.executor.handle({ type: "created", executionId: id });
    await first.close(true);
    const second = await createEngineHarness([], { dir: first.dir });
    try {
      const done = await second.waitFor(id, (e) => isTerminal(e.state.current));
      expect(done.execution.state.current).toBe("SUCCESS");
      expect(startedAt(done.execution)).toBeGreaterThanOrEqual(Date.parse(scheduleDate));
    } finally {
      await second.close();
    }
  });
});

describe("Subflow and ForEachItem scheduleDate", () => {
  it("a Subflow's child is created with the rendered date and starts then; the parent waits for it", async () => {
    const r = await h.run(`
id: parent
namespace: test.scheduled
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.scheduled
    flowId: child
    scheduleDate: "{{ now() | dateAdd(1, 'SECONDS') }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const child = (await h.repository.getExecution(r.runs("call")[0].subflowExecutionId!))!.execution;
    expect(child.scheduleDate).toBeDefined();
    expect(child.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "SUCCESS"]);
    expect(startedAt(child)).toBeGreaterThanOrEqual(Date.parse(child.scheduleDate!));
  });

  it("a date that renders to no date-time fails the task, naming the property; a plain one is refused at deploy", async () => {
    const r = await h.run(`
id: parent_bad
namespace: test.scheduled
tasks:
  - id: call
    type: io.kestra.plugin.core.flow.Subflow
    namespace: test.scheduled
    flowId: child
    scheduleDate: "{{ 'tomorrow' }}"
`);
    expect(r.state("call")).toBe("FAILED");
    expect(r.messages().join("\n")).toMatch(/property scheduleDate: 'tomorrow' is not a date-time with an offset/);
    await expect(h.deploy("id: p\nnamespace: test.scheduled\ntasks:\n  - { id: call, type: core.Subflow, namespace: test.scheduled, flowId: child, scheduleDate: next week }\n")).rejects.toThrow(/'next week' is not a date-time with an offset.*tasks\[0\]\.scheduleDate/);
  });

  it("each ForEachItem batch's execution is created with the date and starts then", async () => {
    const r = await h.run(`
id: batches
namespace: test.scheduled
tasks:
  - id: extract
    type: core.storage.Write
    content: "a\\nb\\n"
  - id: each
    type: io.kestra.plugin.core.flow.ForEachItem
    items: "{{ outputs.extract.uri }}"
    namespace: test.scheduled
    flowId: child
    scheduleDate: "{{ now() | dateAdd(1, 'SECONDS') }}"
    inputs:
      n: "{{ taskrun.iteration }}"
`);
    expect(r.execution.state.current).toBe("SUCCESS");
    const children = (await h.repository.searchExecutions({ namespace: "test.scheduled", flowId: "child", page: 1, size: 50 })).results.filter((e) => e.trigger?.id === "each_items");
    expect(children).toHaveLength(2);
    for (const child of children) {
      expect(child.scheduleDate).toBeDefined();
      expect(startedAt(child)).toBeGreaterThanOrEqual(Date.parse(child.scheduleDate!));
    }
  });
});
