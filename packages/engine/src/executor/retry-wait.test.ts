import { afterEach, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

const FLOW = `
id: long-retry
namespace: test.retry
tasks:
  - id: fail
    type: io.kestra.plugin.core.execution.Fail
    retry: { type: constant, interval: P30D, maxAttempt: 3 }
`;

let harnesses: EngineHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.reverse()) await h.close();
  harnesses = [];
});
const open = async (dir?: string) => {
  const h = await createEngineHarness([], { dir });
  harnesses.push(h);
  return h;
};

/** starts the flow and waits until its task run waits RETRYING for attempt 2 */
async function retrying(h: EngineHarness) {
  const flow = await h.deploy(FLOW);
  const { id } = await h.executions.create({ flow, inputs: {} });
  await h.waitFor(id, () => true);
  await expect.poll(async () => (await h.repository.getExecution(id))!.taskRuns[0]?.state.current, { timeout: 10_000 }).toBe("RETRYING");
  return id;
}

describe("a retry's wait is durable: a lost timer is armed again for what is left of it, never fired early", () => {
  it("keeps the due date on the failed attempt; a stale ask before it is due starts nothing", async () => {
    const h = await open();
    const id = await retrying(h);
    const run = (await h.repository.getExecution(id))!.taskRuns[0];
    const due = Date.parse(run.attempts[0].retryAt!);
    // thirty days: past what one Node timer can hold (24.8 days)
    expect(due - Date.now()).toBeGreaterThan(29 * 24 * 3600_000);
    // what the reconciler sends after the queue lost its messages
    await h.executor.handle({ type: "stale", executionId: id, runs: [{ taskRunId: run.id, attempt: 1 }] });
    const after = (await h.repository.getExecution(id))!.taskRuns[0];
    expect(after.state.current).toBe("RETRYING");
    expect(after.attempts).toHaveLength(1);
  });

  it("survives a restart of local mode without starting the next attempt early, and starts it once due", async () => {
    const first = await open();
    const id = await retrying(first);
    await first.close(true);
    harnesses = [];
    const h = await open(first.dir);
    // the restart re-dispatched what was queued or running; the retry still waits
    await new Promise((r) => setTimeout(r, 300));
    const found = (await h.repository.getExecution(id))!;
    expect(found.taskRuns[0].state.current).toBe("RETRYING");
    expect(found.taskRuns[0].attempts).toHaveLength(1);
    // an hour later (its due date moved to the past): the next attempt starts
    const run = found.taskRuns[0];
    run.attempts[0].retryAt = new Date(Date.now() - 1000).toISOString();
    await h.repository.saveExecution({ ...found.execution, updated: new Date().toISOString() }, [run]);
    await h.executor.handle({ type: "stale", executionId: id, runs: [{ taskRunId: run.id, attempt: 1 }] });
    await expect.poll(async () => (await h.repository.getExecution(id))!.taskRuns[0].attempts.length, { timeout: 10_000 }).toBe(2);
  });

  it("a retry in a new execution (CREATE_NEW_EXECUTION) survives a restart: not made early, made once when due", async () => {
    const first = await open();
    const flow = await first.deploy(`
id: long-new-execution
namespace: test.retry
tasks:
  - id: fail
    type: core.Fail
    retry: { type: constant, interval: PT1H, maxAttempt: 2, behavior: CREATE_NEW_EXECUTION }
`);
    const { id } = await first.executions.create({ flow, inputs: {} });
    await first.waitFor(id, (e) => e.state.current === "RETRIED");
    const retried = (await first.repository.getExecution(id))!.execution;
    expect(Date.parse(retried.retryAt!) - Date.now()).toBeGreaterThan(3_500_000);
    await first.close(true);
    harnesses = [];
    const chain = async (h: EngineHarness) => (await h.repository.searchExecutions({ namespace: "test.retry", flowId: "long-new-execution", page: 1, size: 10 })).results;
    let h = await open(first.dir);
    await new Promise((r) => setTimeout(r, 300));
    expect(await chain(h)).toHaveLength(1);
    // an hour later, after another restart: the new execution is made, once
    await h.repository.saveExecution({ ...retried, retryAt: new Date(Date.now() - 1000).toISOString() });
    await h.close(true);
    harnesses = [];
    h = await open(first.dir);
    await expect.poll(async () => (await chain(h)).length, { timeout: 10_000 }).toBe(2);
    const next = (await chain(h)).find((e) => e.id !== id)!;
    expect(next.originalId ?? next.replayOf).toBe(id);
    await h.executor.reconcile();
    await new Promise((r) => setTimeout(r, 300));
    expect((await chain(h)).filter((e) => e.replayOf === id)).toHaveLength(1);
  });
});
