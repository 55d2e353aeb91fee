import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";
import { IGNORED_BACKFILL, ScheduleScheduler } from "./schedule-scheduler.js";

let t: TestFerry;
const executionsOf = async (flowId: string) => {
  const page = (await (await t.api(`/executions/search?namespace=sched.test&flowId=${flowId}&size=1000`)).json()) as { results: any[]; total: number };
  return page.results;
};
const flow = (id: string, extra = "") => `id: ${id}
namespace: sched.test
tasks:
  - { id: log, type: core.Log, message: "fired at {{ trigger.date }}" }
triggers:
  - id: every-second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
${extra}`;
/** a scheduler as a freshly started (or second) server process would run it, on a clock the test sets */
const schedulerAt = (now: Date, startedAt = now) => {
  const { repository, triggers, logger } = t.ferry.deps;
  return new ScheduleScheduler({ repository, index: triggers.index, starter: triggers.starter, logger, now: () => now, startedAt });
};

beforeAll(async () => {
  t = await startTestFerry();
});
afterAll(async () => t?.close());

describe("schedule trigger", () => {
  it("fires once per second with trigger.date, re-saving the flow changes nothing, and stops when disabled", async () => {
    const until = async (check: (fired: any[]) => boolean) => {
      for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) if (check(await executionsOf("live"))) return;
      throw new Error("the schedule did not fire in time");
    };
    await t.deploy(flow("live"));
    await until((fired) => fired.length >= 1);
    // a new revision (n8n #7045, Kestra #18422): the trigger keeps its state, no fire repeats or is lost
    await t.deploy(flow("live").replace("fired at", "fired (revision 2) at"));
    await until((fired) => fired.filter((e) => e.flowRevision === 2).length >= 2);
    const put = await t.api("/triggers/sched.test/live/every-second", { method: "PUT", body: JSON.stringify({ disabled: true }), headers: { "content-type": "application/json" } });
    expect(put.status).toBe(200);
    const fired = await executionsOf("live");
    expect(fired.length).toBeGreaterThanOrEqual(3);
    const dates = fired.map((e) => e.trigger.variables.date as string).sort();
    expect(new Set(dates).size).toBe(dates.length);
    for (const date of dates) expect(date).toMatch(/T\d\d:\d\d:\d\d\.000Z$/);
    for (let i = 1; i < dates.length; i++) expect(Date.parse(dates[i]) - Date.parse(dates[i - 1])).toBe(1000);
    expect(fired[0].trigger).toMatchObject({ id: "every-second", type: "io.kestra.plugin.core.trigger.Schedule" });
    expect(new Set(fired.map((e) => e.flowRevision))).toEqual(new Set([1, 2]));
    const ended = await t.waitForEnd(fired[0].id);
    expect(ended.state.current).toBe("SUCCESS");
    await new Promise((r) => setTimeout(r, 1500));
    expect((await executionsOf("live")).length).toBe(fired.length);
  });

  it("after downtime starts ALL missed fires, the LAST one, or NONE, as recoverMissedSchedules says", async () => {
    await t.ferry.deps.triggers.scheduler.stop();
    try {
      const { repository, triggers } = t.ferry.deps;
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      for (const policy of ["ALL", "LAST", "NONE"]) {
        const id = `missed-${policy.toLowerCase()}`;
        // allowConcurrent: every due fire starts in this one tick, not one at a time behind the previous one's end
        await t.deploy(flow(id, `    recoverMissedSchedules: ${policy}\n    allowConcurrent: true\n`));
        // the last fire evaluated was ten seconds before this "restart"
        await repository.initTriggerState({ namespace: "sched.test", flowId: id, triggerId: "every-second", disabled: false, updated: now.toISOString() });
        await repository.recordTriggerFire({ namespace: "sched.test", flowId: id, triggerId: "every-second" }, new Date(now.getTime() - 10_000).toISOString());
      }
      await triggers.index.refresh();
      await schedulerAt(now).tick();
      // due: the nine seconds after the last fire, and now; missed: those more than a second before the start
      expect((await executionsOf("missed-all")).length).toBe(10);
      const last = (await executionsOf("missed-last")).map((e) => e.trigger.variables.date).sort();
      expect(last).toEqual([new Date(now.getTime() - 2000), new Date(now.getTime() - 1000), now].map((d) => d.toISOString()));
      expect((await executionsOf("missed-none")).length).toBe(2);
      const [state] = await repository.listTriggerStates({ namespace: "sched.test", flowId: "missed-none" });
      expect(state.lastFire).toBe(now.toISOString());
      expect(state.nextFire).toBe(new Date(now.getTime() + 1000).toISOString());
    } finally {
      t.ferry.deps.triggers.scheduler.start();
    }
  });

  it("waits while an execution it started runs, then starts its due fires one at a time; allowConcurrent starts them all (Kestra's AbstractTrigger, the docs' sleep_concurrent)", async () => {
    await t.ferry.deps.triggers.scheduler.stop();
    try {
      const { repository, triggers } = t.ferry.deps;
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      const slow = (id: string, extra = "") => flow(id, extra).replace("{ id: log, type: core.Log, message: \"fired at {{ trigger.date }}\" }", "{ id: sleep, type: io.kestra.plugin.core.flow.Sleep, duration: PT1S }");
      for (const [id, extra] of [["held", ""], ["concurrent", "    allowConcurrent: true\n"]]) {
        await t.deploy(slow(id, extra));
        await repository.initTriggerState({ namespace: "sched.test", flowId: id, triggerId: "every-second", disabled: false, updated: now.toISOString() });
        await repository.recordTriggerFire({ namespace: "sched.test", flowId: id, triggerId: "every-second" }, new Date(now.getTime() - 3000).toISOString());
      }
      await triggers.index.refresh();
      const scheduler = schedulerAt(now, new Date(now.getTime() - 10_000));
      await scheduler.tick();
      // three fires due: with allowConcurrent all start; without, the first only
      expect((await executionsOf("concurrent")).length).toBe(3);
      const [first] = await executionsOf("held");
      expect((await executionsOf("held")).length).toBe(1);
      expect(first.trigger.variables.date).toBe(new Date(now.getTime() - 2000).toISOString());
      // while it runs, the next due fire waits
      await scheduler.tick();
      expect((await executionsOf("held")).length).toBe(1);
      expect((await t.waitForEnd(first.id)).state.current).toBe("SUCCESS");
      await scheduler.tick();
      const dates = (await executionsOf("held")).map((e) => e.trigger.variables.date).sort();
      expect(dates).toEqual([now.getTime() - 2000, now.getTime() - 1000].map((ms) => new Date(ms).toISOString()));
    } finally {
      t.ferry.deps.triggers.scheduler.start();
    }
  });

  it("two schedulers on one repository start each fire time once", async () => {
    await t.ferry.deps.triggers.scheduler.stop();
    try {
      const { repository, triggers } = t.ferry.deps;
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      await t.deploy(flow("replicated", "    allowConcurrent: true\n"));
      await repository.initTriggerState({ namespace: "sched.test", flowId: "replicated", triggerId: "every-second", disabled: false, updated: now.toISOString() });
      await repository.recordTriggerFire({ namespace: "sched.test", flowId: "replicated", triggerId: "every-second" }, new Date(now.getTime() - 5000).toISOString());
      await triggers.index.refresh();
      // both started before the fires were due, so all five are on time for both
      const a = schedulerAt(now, new Date(now.getTime() - 10_000));
      const b = schedulerAt(now, new Date(now.getTime() - 10_000));
      await Promise.all([a.tick(), b.tick(), a.tick(), b.tick()]);
      const dates = (await executionsOf("replicated")).map((e) => e.trigger.variables.date);
      expect(dates.length).toBe(5);
      expect(new Set(dates).size).toBe(5);
    } finally {
      t.ferry.deps.triggers.scheduler.start();
    }
  });

  it("enforces the flow's input rules on scheduled starts: a fire whose inputs break one starts nothing, says why once, and the trigger moves on", async () => {
    await t.ferry.deps.triggers.scheduler.stop();
    try {
      const { repository, triggers } = t.ferry.deps;
      const now = new Date(Math.floor(Date.now() / 1000) * 1000);
      // a literal breaking the rule is refused at deploy; what a fire renders is checked at the fire
      await t.deploy(`id: ruled
namespace: sched.test
inputs:
  - { id: second, type: INT, min: 0, max: 29 }
tasks:
  - { id: log, type: core.Log, message: "{{ inputs.second }}" }
triggers:
  - id: every-second
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "* * * * * *"
    inputs:
      second: "{{ trigger.date | date('s') }}"
`);
      const ref = { namespace: "sched.test", flowId: "ruled", triggerId: "every-second" };
      await repository.initTriggerState({ ...ref, disabled: false, updated: now.toISOString() });
      // two fires due: one at a second past 29, which the rule refuses, and one within it
      const refused = new Date(Math.floor(now.getTime() / 60_000) * 60_000 + 45_000);
      const allowed = new Date(refused.getTime() + 30_000);
      await repository.recordTriggerFire(ref, new Date(refused.getTime() - 1000).toISOString());
      await triggers.index.refresh();
      const lines: string[] = [];
      const logger = pino({ level: "error" }, { write: (line: string) => void lines.push(line) });
      const at = (clock: Date) => new ScheduleScheduler({ repository, index: triggers.index, starter: triggers.starter, logger, now: () => clock, startedAt: new Date(refused.getTime() - 1000) });

      await at(refused).tick();
      expect(await executionsOf("ruled")).toEqual([]);
      expect(lines.map((l) => JSON.parse(l).msg)).toEqual([
        `schedule trigger sched.test/ruled/every-second: the fire of ${refused.toISOString()} started nothing: invalid inputs: input 'second' (INT): 45 is more than max 29`,
      ]);
      const [state] = await repository.listTriggerStates({ namespace: "sched.test", flowId: "ruled" });
      expect(state.lastFire).toBe(refused.toISOString());
      // the refused fire is not evaluated again; a later one that meets the rule starts
      await at(refused).tick();
      expect(lines).toHaveLength(1);
      await repository.recordTriggerFire(ref, new Date(allowed.getTime() - 1000).toISOString());
      await triggers.index.refresh();
      await at(allowed).tick();
      expect((await executionsOf("ruled")).map((e) => e.inputs)).toEqual([{ second: 15 }]);
    } finally {
      t.ferry.deps.triggers.scheduler.start();
    }
  });

  it("Kestra's deprecated `backfill` deploys and has no effect, saying so in a WARN at each fire (Schedule.java never reads it)", async () => {
    await t.deploy(flow("old-backfill", `    disabled: true\n    backfill:\n      start: 2020-01-01T00:00:00Z\n`));
    const { repository, triggers } = t.ferry.deps;
    const lines: string[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => void lines.push(line) });
    const scheduler = new ScheduleScheduler({ repository, index: triggers.index, starter: triggers.starter, logger, now: () => new Date(), startedAt: new Date() });
    const [trigger] = await triggers.index.of("sched.test", "old-backfill");
    if (trigger.kind !== "schedule") throw new Error("expected the schedule trigger");
    const result = await scheduler.backfill(trigger, new Date("2026-01-01T00:00:00Z"), new Date("2026-01-01T00:00:01Z"));
    expect(result.started).toHaveLength(2);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 40, msg: IGNORED_BACKFILL, trigger: "sched.test/old-backfill/every-second" }),
      expect.objectContaining({ level: 40, msg: IGNORED_BACKFILL }),
    ]);
    // nothing ran from 2020: only the two fires asked for
    expect(await executionsOf("old-backfill")).toHaveLength(2);
  });

  it("backfills a range through the API, once per fire time", async () => {
    await t.deploy(flow("backfilled", `    timezone: Europe/Paris\n    disabled: true\n`));
    const body = JSON.stringify({ start: "2026-01-01T00:00:00Z", end: "2026-01-01T00:00:04Z", labels: { backfill: "yes" } });
    const init = { method: "POST", body, headers: { "content-type": "application/json" } };
    const first = (await (await t.api("/triggers/sched.test/backfilled/every-second/backfill", init)).json()) as { started: string[]; skipped: number };
    expect(first.started.length).toBe(5);
    const again = (await (await t.api("/triggers/sched.test/backfilled/every-second/backfill", init)).json()) as { started: string[]; skipped: number };
    expect(again).toEqual({ started: [], skipped: 5, conditionsNotMet: 0 });
    const runs = await executionsOf("backfilled");
    expect(runs.map((e) => e.trigger.variables.date).sort()).toEqual([0, 1, 2, 3, 4].map((s) => `2026-01-01T01:00:0${s}.000+01:00`));
    expect(runs[0].labels).toContainEqual({ key: "backfill", value: "yes" });
    const tooMany = await t.api("/triggers/sched.test/backfilled/every-second/backfill", { ...init, body: JSON.stringify({ start: "2026-01-01T00:00:00Z", end: "2026-01-02T00:00:00Z" }) });
    expect(tooMany.status).toBe(422);
    const bad = await t.api("/triggers/sched.test/backfilled/every-second/backfill", { ...init, body: JSON.stringify({ start: "yesterday" }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain("start");
  });

  it("labels each execution with the trigger's labels, rendered; one rendering empty or failing left out (ScheduleTest.success_withLabels)", async () => {
    const labels = `    disabled: true
    labels:
      trigger-label-1: trigger-label-1
      trigger-label-2: "{{ 'trigger-label-' ~ 2 }}"
      trigger-label-3: "{{ null }}"
      trigger-label-4: "{{ nope.nothing }}"
      fired: "{{ trigger.date | date('HH:mm:ss') }}"
      backfill: from the trigger
`;
    await t.deploy(flow("labelled", labels));
    const body = JSON.stringify({ start: "2026-01-01T00:00:00Z", end: "2026-01-01T00:00:00Z", labels: { backfill: "yes" } });
    const res = await t.api("/triggers/sched.test/labelled/every-second/backfill", { method: "POST", body, headers: { "content-type": "application/json" } });
    expect(res.status).toBe(200);
    const [run] = await executionsOf("labelled");
    const byKey = Object.fromEntries((run.labels as Array<{ key: string; value: string }>).map((l) => [l.key, l.value]));
    // and, as every execution a trigger starts, system.from (ScheduleTest.success: Label.FROM "trigger")
    expect(byKey).toMatchObject({ "trigger-label-1": "trigger-label-1", "trigger-label-2": "trigger-label-2", fired: "00:00:00", backfill: "yes", "system.from": "trigger" });
    expect(byKey).not.toHaveProperty("trigger-label-3");
    expect(byKey).not.toHaveProperty("trigger-label-4");
    // the first fire's previous is the cron's time before it, though it never fired (ScheduleTest.success: ExecutionTime.lastExecution)
    expect(run.trigger.variables).toEqual({ date: "2026-01-01T00:00:00.000Z", previous: "2025-12-31T23:59:59.000Z", next: "2026-01-01T00:00:01.000Z" });
  });

  it("lists triggers with their state and refuses unknown ones", async () => {
    const search = (await (await t.api("/triggers/search?namespace=sched.test&flowId=live")).json()) as { results: any[]; total: number };
    expect(search.total).toBe(1);
    expect(search.results[0]).toMatchObject({
      abstractTrigger: { id: "every-second", type: "io.kestra.plugin.core.trigger.Schedule", cron: "* * * * * *" },
      triggerContext: { namespace: "sched.test", flowId: "live", triggerId: "every-second", disabled: true, kind: "schedule" },
    });
    expect(search.results[0].triggerContext.nextExecutionDate).toEqual(expect.any(String));
    expect((await t.api("/triggers/sched.test/live/nope")).status).toBe(404);
    const notBool = await t.api("/triggers/sched.test/live/every-second", { method: "PUT", body: JSON.stringify({ disabled: "yes" }), headers: { "content-type": "application/json" } });
    expect(notBool.status).toBe(400);
  });
});
