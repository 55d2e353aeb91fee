import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";
import { isoIn } from "./schedule-scheduler.js";

/* Kestra's ScheduleOnDates (core/trigger/ScheduleOnDates.java): one execution per listed date, none for a date already past. */
let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry()));
afterAll(async () => t?.close());

type Listed = { results: Array<{ id: string; trigger?: { variables?: { date?: string } } }> };

describe("ScheduleOnDates", () => {
  it("starts one execution at each date, with trigger.date in the trigger's time zone, and none for a past date", async () => {
    const second = (offset: number) => new Date(Math.floor(Date.now() / 1000) * 1000 + offset);
    const [past, first, last] = [second(-60_000), second(3000), second(4000)];
    await t.deploy(`id: on-dates
namespace: sched.dates
tasks:
  - { id: date, type: io.kestra.plugin.core.debug.Return, format: "{{ trigger.date }}" }
triggers:
  - id: dates
    type: io.kestra.plugin.core.trigger.ScheduleOnDates
    timezone: Asia/Kolkata
    dates: ["${last.toISOString()}", "${past.toISOString()}", "${first.toISOString()}"]
`);
    const list = async () => ((await (await t.api("/executions/search?namespace=sched.dates&flowId=on-dates")).json()) as Listed).results;
    let found: Listed["results"] = [];
    for (const end = Date.now() + 20_000; found.length < 2; await new Promise((r) => setTimeout(r, 100))) {
      if (Date.now() > end) throw new Error(`the dates fired ${found.length} time(s), not twice, in 20 s`);
      found = await list();
    }
    const outputs = await Promise.all(found.map(async (e) => String((await t.waitForEnd(e.id)).taskRunList[0].outputs.value)));
    expect(outputs.sort()).toEqual([isoIn(first, "Asia/Kolkata"), isoIn(last, "Asia/Kolkata")]);
    expect(outputs[0]).toMatch(/\+05:30$/);
    // the trigger answers no next date once the list is spent, and started nothing more
    const trigger = (await (await t.api("/triggers/sched.dates/on-dates/dates")).json()) as { triggerContext: { nextExecutionDate: string | null; date: string } };
    expect(trigger.triggerContext.nextExecutionDate).toBeNull();
    expect(trigger.triggerContext.date).toBe(last.toISOString());
    expect((await list()).length).toBe(2);
  });

  it("a date without an offset is refused at deploy, naming it", async () => {
    await expect(
      t.deploy(`id: bad-dates\nnamespace: sched.dates\ntasks:\n  - { id: x, type: core.Log, message: x }\ntriggers:\n  - { id: d, type: io.kestra.plugin.core.trigger.ScheduleOnDates, dates: ["2030-01-01T09:00:00"] }\n`),
    ).rejects.toThrow(/422.*2030-01-01T09:00:00' is not a date-time with an offset/);
  });
});
