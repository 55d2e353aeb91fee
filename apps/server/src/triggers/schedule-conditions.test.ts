import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

let t: TestFerry;
const executionsOf = async (flowId: string) =>
  ((await (await t.api(`/executions/search?namespace=sched.cond&flowId=${flowId}&size=1000`)).json()) as { results: any[] }).results;
const json = (body: unknown, method = "POST") => ({ method, body: JSON.stringify(body), headers: { "content-type": "application/json" } });

beforeAll(async () => {
  t = await startTestFerry();
});
afterAll(async () => t?.close());

describe("Schedule conditions", () => {
  it("a fire starts an execution only when its conditions hold on its trigger.date, in the schedule's time zone", async () => {
    await t.deploy(`id: weekend-noon
namespace: sched.cond
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.date }}" }
triggers:
  - id: noon
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 12 * * *"
    timezone: Europe/Paris
    disabled: true
    conditions:
      - type: io.kestra.plugin.core.condition.Weekend
      - type: io.kestra.plugin.core.condition.Not
        conditions:
          - type: io.kestra.plugin.core.condition.PublicHoliday
            country: FR
`);
    // 2024-07-08 (Monday) to 2024-07-21 (Sunday): four weekend days, one of them (the 14th) France's national holiday
    const result = (await (await t.api("/triggers/sched.cond/weekend-noon/noon/backfill", json({ start: "2024-07-08T00:00:00Z", end: "2024-07-21T23:00:00Z" }))).json()) as { started: string[]; skipped: number; conditionsNotMet: number };
    expect(result.started.length).toBe(3);
    // the 11 other days never ran: counted apart from fire times that had run already
    expect(result).toMatchObject({ skipped: 0, conditionsNotMet: 11 });
    const dates = (await executionsOf("weekend-noon")).map((e) => e.trigger.variables.date).sort();
    expect(dates).toEqual(["2024-07-13T12:00:00.000+02:00", "2024-07-20T12:00:00.000+02:00", "2024-07-21T12:00:00.000+02:00"]);
  });

  it("gives trigger.previous and trigger.next as the nearest fire times the conditions hold for (ScheduleTest.conditions)", async () => {
    await t.deploy(`id: first-monday
namespace: sched.cond
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.previous }} {{ trigger.date }} {{ trigger.next }}" }
triggers:
  - id: monday
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 12 * * 1"
    timezone: Europe/Paris
    disabled: true
    conditions:
      - type: io.kestra.plugin.core.condition.DayWeekInMonth
        dayOfWeek: MONDAY
        dayInMonth: FIRST
`);
    const result = (await (await t.api("/triggers/sched.cond/first-monday/monday/backfill", json({ start: "2021-08-02T00:00:00Z", end: "2021-08-02T23:00:00Z" }))).json()) as { started: string[] };
    expect(result.started).toHaveLength(1);
    const [run] = await executionsOf("first-monday");
    expect(run.trigger.variables).toEqual({ date: "2021-08-02T12:00:00.000+02:00", previous: "2021-07-05T12:00:00.000+02:00", next: "2021-09-06T12:00:00.000+02:00" });
  });

  it("has no trigger.next when no later fire can hold, previous the nearest that does (ScheduleTest.impossibleNextConditions)", async () => {
    await t.deploy(`id: until-august
namespace: sched.cond
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.date }}" }
triggers:
  - id: monday
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 12 * * 1"
    timezone: Europe/Paris
    disabled: true
    conditions:
      - type: io.kestra.plugin.core.condition.DateTimeBetween
        before: "2021-08-03T12:00:00+02:00"
        date: "{{ trigger.date }}"
`);
    const result = (await (await t.api("/triggers/sched.cond/until-august/monday/backfill", json({ start: "2021-08-02T00:00:00Z", end: "2021-08-02T23:00:00Z" }))).json()) as { started: string[] };
    expect(result.started).toHaveLength(1);
    const [run] = await executionsOf("until-august");
    expect(run.trigger.variables).toEqual({ date: "2021-08-02T12:00:00.000+02:00", previous: "2021-07-26T12:00:00.000+02:00" });
  });

  it("DateTimeBetween and TimeBetween bound the fires; conditions that need an upstream execution are refused on a schedule", async () => {
    await t.deploy(`id: bounded
namespace: sched.cond
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.date }}" }
triggers:
  - id: hourly
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 * * * *"
    disabled: true
    conditions:
      - type: io.kestra.plugin.core.condition.DateTimeBetween
        after: "2024-03-01T00:00:00Z"
      - type: io.kestra.plugin.core.condition.TimeBetween
        after: "08:30:00Z"
        before: "11:30:00Z"
`);
    const result = (await (await t.api("/triggers/sched.cond/bounded/hourly/backfill", json({ start: "2024-02-29T00:00:00Z", end: "2024-03-01T23:00:00Z" }))).json()) as { started: string[] };
    expect((await executionsOf("bounded")).map((e) => e.trigger.variables.date).sort()).toEqual(["2024-03-01T09:00:00.000Z", "2024-03-01T10:00:00.000Z", "2024-03-01T11:00:00.000Z"]);
    expect(result.started.length).toBe(3);
    const refused = await t.api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: "id: bad\nnamespace: sched.cond\ntasks:\n  - { id: l, type: core.Log, message: x }\ntriggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: '@daily'\n    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionStatus\n        in: [SUCCESS]\n" });
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { message: string }).message).toContain("only a Flow trigger has one");
  });
});

describe("trigger.Toggle", () => {
  it("a schedule disabled by a task stops firing; enabled again by a task it resumes", async () => {
    await t.deploy(`id: ticking
namespace: sched.cond
tasks:
  - { id: log, type: core.Log, message: tick }
triggers:
  - id: every-second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
`);
    await t.deploy(`id: switch
namespace: sched.cond
inputs:
  - { id: on, type: BOOLEAN }
tasks:
  - id: toggle
    type: io.kestra.plugin.core.trigger.Toggle
    flowId: ticking
    trigger: every-second
    enabled: "{{ inputs.on }}"
`);
    const count = async () => (await executionsOf("ticking")).length;
    for (const end = Date.now() + 10_000; (await count()) < 2; await new Promise((r) => setTimeout(r, 100))) if (Date.now() > end) throw new Error("never fired");
    const off = (await (await t.api("/executions/sched.cond/switch?wait=true", json({ on: false }))).json()) as any;
    expect(off.state.current).toBe("SUCCESS");
    // schedulers read trigger states every few seconds: wait past that, then nothing more fires
    await new Promise((r) => setTimeout(r, 6500));
    const settled = await count();
    await new Promise((r) => setTimeout(r, 2500));
    expect(await count()).toBe(settled);
    const on = (await (await t.api("/executions/sched.cond/switch?wait=true", json({ on: true }))).json()) as any;
    expect(on.state.current).toBe("SUCCESS");
    for (const end = Date.now() + 10_000; (await count()) <= settled; await new Promise((r) => setTimeout(r, 100))) if (Date.now() > end) throw new Error("did not resume");
  }, 40_000);
});
