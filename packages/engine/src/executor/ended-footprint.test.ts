import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isTerminal } from "@ferry/sdk";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";

/*
 * Issue #18.6 (the soak): what the executor and the queue hold for an execution is let go when
 * it ends. After N executions of each kind have ended, the executor's maps and the queue's ids,
 * timers and pending messages are back to their size before: nothing grows with the number of
 * executions a server has run.
 */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness()));
afterAll(async () => h.close());

const footprint = () => ({ ...h.executor.footprint(), ...h.queue.footprint() });

/** runs `count` executions of the flow at once, `act` on each once started, and waits for their ends */
async function runMany(source: string, count: number, act?: (id: string) => Promise<void>) {
  const flow = await h.deploy(source);
  const ids = await Promise.all(Array.from({ length: count }, async () => (await h.executions.create({ flow, inputs: {} })).id));
  if (act) for (const id of ids) await act(id);
  for (const id of ids) await h.waitFor(id, (e) => isTerminal(e.state.current));
}

/** the footprint once the queue and the executor have done what follows the last saves */
async function settled() {
  for (let i = 0; i < 100 && (footprint().locks || footprint().pending); i++) await new Promise((r) => setTimeout(r, 20));
  return footprint();
}

const FLOWS = {
  plain: `id: plain\nnamespace: test.footprint\ntasks:\n  - { id: a, type: core.Return, format: "{{ execution.id }}" }\n  - { id: b, type: core.Log, message: "{{ outputs.a.value }}" }\n`,
  // a MAX_DURATION SLA arms a wake-up an hour away at creation; the execution ends at once
  sla: `id: sla\nnamespace: test.footprint\nsla:\n  - { id: hour, type: MAX_DURATION, duration: PT1H, behavior: FAIL }\ntasks:\n  - { id: a, type: core.Return, format: x }\n`,
  // a flowable's timeout arms a wake-up an hour away; its children end at once
  timeout: `id: timeout\nnamespace: test.footprint\ntasks:\n  - id: group\n    type: core.Sequential\n    timeout: PT1H\n    tasks:\n      - { id: a, type: core.Return, format: x }\n`,
  // a Pause for an hour at most, killed while it waits
  pause: `id: pause\nnamespace: test.footprint\ntasks:\n  - { id: wait, type: core.Pause, pauseDuration: PT1H }\n`,
};

describe("ended executions leave no footprint", () => {
  it("the executor's maps and the queue's ids, timers and messages are back to their size before", async () => {
    // one of each first: what loads once (flows, templates) is not what is measured
    for (const source of Object.values(FLOWS)) await runMany(source, 1, source === FLOWS.pause ? (id) => killWhenPaused(id) : undefined);
    const before = await settled();
    await runMany(FLOWS.plain, 40);
    await runMany(FLOWS.sla, 20);
    await runMany(FLOWS.timeout, 20);
    await runMany(FLOWS.pause, 20, killWhenPaused);
    expect(await settled()).toEqual(before);
    expect(before).toMatchObject({ locks: 0, saved: 0, pending: 0, delayed: 0 });
  });
});

async function killWhenPaused(id: string) {
  await h.waitFor(id, (e) => e.state.current === "PAUSED");
  await h.executor.handle({ type: "kill", executionId: id });
}
