import { isTerminal, type ExecutionRecord } from "@ferry/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h?.close());

const flow = (id: string, concurrency: string, task = "{ id: nap, type: core.Sleep, duration: PT0.3S }") =>
  `id: ${id}\nnamespace: test.concurrency\nconcurrency: ${concurrency}\ntasks:\n  - ${task}\n`;

const start = async (source: string, n: number) => {
  const deployed = await h.deploy(source);
  const started: ExecutionRecord[] = [];
  for (let i = 0; i < n; i++) started.push(await h.executions.create({ flow: deployed }));
  return started;
};
const stateOf = async (id: string) => (await h.repository.getExecution(id))!.execution.state.current;
const ended = (id: string) => h.waitFor(id, (e) => isTerminal(e.state.current), 60_000);
const whenState = (id: string, state: string) => h.waitFor(id, (e) => e.state.current === state, 30_000);

/** the most executions RUNNING at one instant, from their state histories (an end before a start at the same ms) */
function mostAtOnce(executions: ExecutionRecord[]): number {
  const edges: Array<[number, number]> = [];
  for (const e of executions) {
    const running = e.state.histories.find((s) => s.state === "RUNNING");
    const end = e.state.histories.find((s) => isTerminal(s.state as never));
    if (!running) continue;
    edges.push([Date.parse(running.date), +1], [end ? Date.parse(end.date) : Infinity, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let most = 0;
  for (const [, step] of edges) most = Math.max(most, (now += step));
  return most;
}

describe("flow concurrency", () => {
  it("QUEUE: of 10 starts with limit 2, never more than 2 run at once; the others wait QUEUED and start in order", async () => {
    const started = await start(flow("queue", "{ limit: 2, behavior: QUEUE }"), 10);
    const done = await Promise.all(started.map((e) => ended(e.id)));
    const executions = done.map((d) => d.execution);
    expect(executions.map((e) => e.state.current)).toEqual(Array(10).fill("SUCCESS"));
    expect(mostAtOnce(executions)).toBe(2);
    const queued = executions.filter((e) => e.state.histories.some((s) => s.state === "QUEUED"));
    expect(queued.length).toBeGreaterThanOrEqual(8);
    // first in, first out: they started running in the order they were created
    const startedAt = executions.map((e) => Date.parse(e.state.histories.find((s) => s.state === "RUNNING")!.date));
    expect(startedAt).toEqual([...startedAt].sort((a, b) => a - b));
    expect(await h.repository.listConcurrencySlots("test.concurrency", "queue")).toEqual([]);
  });

  it("CANCEL and FAIL: a start over the limit ends at once without running a task, and says why", async () => {
    for (const behavior of ["CANCEL", "FAIL"] as const) {
      const [first, second] = await start(flow(`refuse-${behavior.toLowerCase()}`, `{ limit: 1, behavior: ${behavior} }`, "{ id: nap, type: core.Sleep, duration: PT60S }"), 2);
      const refused = await ended(second.id);
      expect(refused.execution.state.current).toBe(behavior === "CANCEL" ? "CANCELLED" : "FAILED");
      expect(refused.taskRuns).toEqual([]);
      const result = await h.result(second.id);
      expect(result.messages().join("\n")).toContain(`concurrency limit (1) is reached`);
      expect(await stateOf(first.id)).toBe("RUNNING");
      await h.executor.handle({ type: "kill", executionId: first.id });
      expect((await ended(first.id)).execution.state.current).toBe("KILLED");
    }
  });

  it("a killed running execution frees its slot; a killed QUEUED one frees nothing", async () => {
    const [a, b, c] = await start(flow("kills", "{ limit: 1 }", "{ id: nap, type: core.Sleep, duration: PT60S }"), 3);
    await whenState(a.id, "RUNNING");
    await whenState(c.id, "QUEUED");
    await h.executor.handle({ type: "kill", executionId: b.id });
    expect((await ended(b.id)).execution.state.current).toBe("KILLED");
    await new Promise((r) => setTimeout(r, 300));
    expect(await stateOf(c.id)).toBe("QUEUED"); // a's slot is still a's
    expect((await h.repository.listConcurrencySlots("test.concurrency", "kills")).map((s) => [s.executionId, s.running])).toEqual([
      [a.id, true],
      [c.id, false],
    ]);
    await h.executor.handle({ type: "kill", executionId: a.id });
    await whenState(c.id, "RUNNING");
    await h.executor.handle({ type: "kill", executionId: c.id });
    await ended(c.id);
    expect(await h.repository.listConcurrencySlots("test.concurrency", "kills")).toEqual([]);
  });

  // Kestra's FlowConcurrencyCaseTest.flowConcurrencyQueueRestarted; JdbcExecutor checks `failedThenRestarted()` as CREATED
  it("a restart under a reached limit waits QUEUED (QUEUE) and restarts once a slot frees; CANCEL and FAIL end it", async () => {
    const source = (id: string, behavior: string) =>
      `id: ${id}\nnamespace: test.concurrency\nconcurrency: { limit: 1, behavior: ${behavior} }\ninputs:\n  - { id: fail, type: BOOLEAN, defaults: false }\ntasks:\n  - { id: maybe, type: core.Fail, runIf: "{{ inputs.fail }}" }\n  - { id: nap, type: core.Sleep, duration: "{{ inputs.fail ? 'PT0S' : 'PT60S' }}" }\n`;
    const deployed = await h.deploy(source("restart", "QUEUE"));
    const failed = await h.executions.create({ flow: deployed, inputs: { fail: true } });
    expect((await ended(failed.id)).execution.state.current).toBe("FAILED");
    const running = await h.executions.create({ flow: deployed, inputs: { fail: false } });
    await whenState(running.id, "RUNNING");
    await h.executor.handle({ type: "restart", executionId: failed.id });
    expect(await stateOf(failed.id)).toBe("QUEUED");
    await new Promise((r) => setTimeout(r, 300));
    const waiting = await h.result(failed.id);
    expect(waiting.execution.state.current).toBe("QUEUED");
    expect(waiting.runs("maybe")[0].attempts).toHaveLength(1); // nothing ran again yet
    await h.executor.handle({ type: "kill", executionId: running.id });
    await ended(running.id);
    const again = await ended(failed.id);
    expect(again.execution.state.current).toBe("FAILED");
    expect(again.execution.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "FAILED", "RESTARTED", "QUEUED", "RUNNING", "FAILED"]);
    expect(again.execution.labels["system.restarted"]).toBe("true");
    expect((await h.result(failed.id)).runs("maybe")[0].attempts).toHaveLength(2);
    expect(await h.repository.listConcurrencySlots("test.concurrency", "restart")).toEqual([]);

    for (const behavior of ["CANCEL", "FAIL"] as const) {
      const flowOf = await h.deploy(source(`restart-${behavior.toLowerCase()}`, behavior));
      const first = await h.executions.create({ flow: flowOf, inputs: { fail: true } });
      expect((await ended(first.id)).execution.state.current).toBe("FAILED");
      const holder = await h.executions.create({ flow: flowOf, inputs: { fail: false } });
      await whenState(holder.id, "RUNNING");
      await h.executor.handle({ type: "restart", executionId: first.id });
      const refused = await h.result(first.id);
      // as Kestra's: FAILED, RESTARTED, then CANCELLED or FAILED
      expect(refused.execution.state.histories.map((s) => s.state)).toEqual(["CREATED", "RUNNING", "FAILED", "RESTARTED", behavior === "CANCEL" ? "CANCELLED" : "FAILED"]);
      expect(refused.execution.labels["system.restarted"]).toBe("true");
      expect(refused.runs("maybe")[0].attempts).toHaveLength(1);
      expect(refused.messages().join("\n")).toContain("concurrency limit (1) is reached");
      await h.executor.handle({ type: "kill", executionId: holder.id });
      await ended(holder.id);
    }
  });

  it("a slot whose execution is gone is freed by the repair pass, and the line moves", async () => {
    const deployed = await h.deploy(flow("ghost", "{ limit: 1 }"));
    // a slot left by an execution that vanished while holding it (a crash between save and release)
    expect(await h.repository.acquireConcurrencySlot({ namespace: "test.concurrency", flowId: "ghost", executionId: "vanished", limit: 1, queuedAt: "2020-01-01T00:00:00.000Z" }, true)).toBe("running");
    const waiting = await h.executions.create({ flow: deployed });
    await whenState(waiting.id, "QUEUED");
    await h.executor.repairConcurrency();
    expect((await ended(waiting.id)).execution.state.current).toBe("SUCCESS");
  });
});
