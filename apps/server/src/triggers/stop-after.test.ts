import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

/* A trigger's stopAfter, as Kestra's Trigger.resetExecution: the schedule is disabled once an execution it started ends in one of those states. */
let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry()));
afterAll(async () => t?.close());

const executionsOf = async (flowId: string) =>
  ((await (await t.api(`/executions/search?namespace=stop.test&flowId=${flowId}&size=1000`)).json()) as { results: Array<{ id: string; state: { current: string } }> }).results;
const disabled = async (flowId: string) => (await t.ferry.deps.repository.listTriggerStates({ namespace: "stop.test", flowId })).find((s) => s.triggerId === "every-second")?.disabled;
const schedule = (id: string, task: string) => `id: ${id}
namespace: stop.test
tasks:
  - ${task}
triggers:
  - id: every-second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    stopAfter: [FAILED]
`;

describe("stopAfter", () => {
  it("disables a Schedule once an execution it started ends in one of its states, and it fires no more", async () => {
    await t.deploy(schedule("failing", "{ id: boom, type: core.Fail }"));
    for (const end = Date.now() + 10_000; !(await disabled("failing")); await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > end) throw new Error("the trigger was not disabled in time");
    }
    const fired = (await executionsOf("failing")).length;
    expect(fired).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await executionsOf("failing")).length).toBe(fired);
  });

  it("leaves it enabled while its executions end in other states", async () => {
    await t.deploy(schedule("fine", "{ id: ok, type: core.Log, message: ok }"));
    for (const end = Date.now() + 10_000; (await executionsOf("fine")).filter((e) => e.state.current === "SUCCESS").length < 2; await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > end) throw new Error("the schedule did not fire in time");
    }
    expect(await disabled("fine")).toBeFalsy();
    await t.api("/triggers/stop.test/fine/every-second", { method: "PUT", body: JSON.stringify({ disabled: true }), headers: { "content-type": "application/json" } });
  });

  it("refuses a state no execution ends in, naming it (422)", async () => {
    const response = await t.api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: schedule("bad", "{ id: ok, type: core.Log, message: ok }").replace("[FAILED]", "[RUNNING]") });
    expect(response.status).toBe(422);
    expect(((await response.json()) as { message: string }).message).toMatch(/stopAfter: state RUNNING is not a state an execution ends in/);
  });
});
