import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";
import { PollingScheduler } from "./polling-scheduler.js";

/* Kestra 2.0's `when` on non-Flow triggers (docs: migration-guide/v2.0.0/trigger-conditions-redesign), in place of conditions */
let t: TestFerry;
let http: Server;
let base: string;
let ready = false;
const executionsOf = async (flowId: string) =>
  ((await (await t.api(`/executions/search?namespace=when.test&flowId=${flowId}&size=1000`)).json()) as { results: any[] }).results;
const json = (body: unknown) => ({ method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });

beforeAll(async () => {
  t = await startTestFerry();
  http = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ready }));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await t?.close();
  http?.close();
});

describe("trigger when", () => {
  it("a Schedule skips the dates its when does not hold for, and trigger.next/previous skip them too (the docs' workdays example)", async () => {
    await t.deploy(`id: workdays
namespace: when.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.date }}" }
triggers:
  - id: schedule
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 11 * * *"
    timezone: Europe/Paris
    disabled: true
    when: "{{ not isWeekend(trigger.date) and not isPublicHoliday(trigger.date, 'FR') }}"
`);
    // 2024-07-11 (Thursday) to 2024-07-16 (Tuesday): the 13th and 14th are a weekend, the 14th also France's national holiday
    const result = (await (await t.api("/triggers/when.test/workdays/schedule/backfill", json({ start: "2024-07-11T00:00:00Z", end: "2024-07-16T23:00:00Z" }))).json()) as { started: string[] };
    expect(result.started).toHaveLength(4);
    const runs = (await executionsOf("workdays")).sort((a, b) => a.trigger.variables.date.localeCompare(b.trigger.variables.date));
    expect(runs.map((e) => e.trigger.variables.date.slice(0, 10))).toEqual(["2024-07-11", "2024-07-12", "2024-07-15", "2024-07-16"]);
    expect(runs[1].trigger.variables).toMatchObject({ previous: "2024-07-11T11:00:00.000+02:00", next: "2024-07-15T11:00:00.000+02:00" });
  });

  it("a Webhook whose when is false answers 204 and starts nothing (the docs' body and header example; headers as Ferry gives them: lower-case names, lists of values)", async () => {
    await t.deploy(`id: deploys
namespace: when.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.body.environment }}" }
triggers:
  - id: webhook
    type: io.kestra.plugin.core.trigger.Webhook
    key: myKey
    when: "{{ (trigger.headers['x-event-type'] | first) == 'deploy' and trigger.body.environment == 'production' }}"
`);
    const call = (event: string, environment: string) =>
      fetch(`${t.ferry.url}/api/v1/executions/webhook/when.test/deploys/myKey`, { method: "POST", body: JSON.stringify({ environment }), headers: { "content-type": "application/json", "x-event-type": event } });
    expect((await call("deploy", "staging")).status).toBe(204);
    expect((await call("build", "production")).status).toBe(204);
    expect((await call("deploy", "production")).status).toBe(200);
    expect(await executionsOf("deploys")).toHaveLength(1);
  });

  it("a polling trigger whose when is false starts nothing for that evaluation", async () => {
    await t.deploy(`id: polled
namespace: when.test
tasks:
  - { id: log, type: core.Log, message: "{{ trigger.body }}" }
triggers:
  - id: http
    type: io.kestra.plugin.core.http.Trigger
    uri: ${base}/status
    interval: PT30S
    when: "{{ fromJson(trigger.body).ready }}"
`);
    const { repository, triggers } = t.ferry.deps;
    const evaluateAt = async (now: Date) => {
      const scheduler = new PollingScheduler({ repository, index: triggers.index, starter: triggers.starter, logger: pino({ level: "silent" }), now: () => now });
      await scheduler.tick();
      await scheduler.settled();
    };
    await evaluateAt(new Date(Date.now() + 3600_000));
    expect(await executionsOf("polled")).toHaveLength(0);
    ready = true;
    await evaluateAt(new Date(Date.now() + 7200_000));
    expect(await executionsOf("polled")).toHaveLength(1);
  });

  it("a when that does not parse is refused at deploy, at its line", async () => {
    const response = await t.api("/flows", {
      method: "POST",
      headers: { "content-type": "application/x-yaml" },
      body: `id: bad_when\nnamespace: when.test\ntasks:\n  - { id: l, type: core.Log, message: x }\ntriggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: "0 * * * *"\n    when: "{{ isWeekend(trigger.date) "\n`,
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { errors: Array<{ path: string; line: number }> };
    expect(body.errors.find((e) => e.path.includes("when"))?.line).toBe(9);
  });
});
