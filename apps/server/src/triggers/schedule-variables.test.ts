import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

/* Kestra 1.x's RunVariables: a Schedule's trigger variables also read as `schedule`, their older name. */
let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry()));
afterAll(async () => t?.close());

describe("a Schedule's variables", () => {
  it("read as trigger and as schedule", async () => {
    await t.deploy(`id: scheduled
namespace: sched.vars
tasks:
  - { id: dates, type: core.Return, format: "{{ trigger.date }}|{{ schedule.date }}" }
triggers:
  - { id: every-second, type: io.kestra.plugin.core.trigger.Schedule, cron: "* * * * * *" }
`);
    let id: string | undefined;
    for (const end = Date.now() + 10_000; !id; await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > end) throw new Error("the schedule did not fire in time");
      id = ((await (await t.api("/executions/search?namespace=sched.vars&flowId=scheduled")).json()) as { results: Array<{ id: string }> }).results[0]?.id;
    }
    await t.api("/triggers/sched.vars/scheduled/every-second", { method: "PUT", body: JSON.stringify({ disabled: true }), headers: { "content-type": "application/json" } });
    const ended = await t.waitForEnd(id);
    expect(ended.state.current).toBe("SUCCESS");
    const [fromTrigger, fromSchedule] = String(ended.taskRunList[0].outputs.value).split("|");
    expect(fromTrigger).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(fromSchedule).toBe(fromTrigger);
  });
});
