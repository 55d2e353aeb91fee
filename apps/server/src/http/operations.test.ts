import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry();
  await t.deploy(`id: ops\nnamespace: ops.test\ntasks:\n  - { id: a, type: core.Log, message: one }\n  - { id: b, type: core.Log, message: two }\n`);
  await t.deploy(`id: pausing\nnamespace: ops.test\ntasks:\n  - { id: approval, type: core.Approval, onWait: [{ id: slow, type: core.Sleep, duration: PT1H }] }\n`);
});
afterAll(async () => t?.close());

describe("operations endpoints", () => {
  it("/metrics serves Prometheus text: executions ended and open, task run durations, queue depth, workers, process", async () => {
    for (let i = 0; i < 3; i++) await t.api("/executions/ops.test/ops?wait=true", { method: "POST" });
    const response = await fetch(`${t.ferry.url}/metrics`);
    expect(response.headers.get("content-type")).toContain("text/plain");
    const text = await response.text();
    expect(text).toContain('ferry_executions_ended_total{state="SUCCESS"} 3');
    expect(text).toContain('ferry_task_run_duration_seconds_count{state="SUCCESS"} 6');
    expect(text).toMatch(/ferry_executions\{state="RUNNING"\} 0/);
    for (const open of ["CREATED", "PAUSING", "PAUSED", "KILLING", "QUEUED", "RESTARTED"]) expect(text).toContain(`ferry_executions{state="${open}"}`);
    expect(text).not.toContain('ferry_executions{state="SUCCESS"}');
    expect(text).toMatch(/ferry_queue_depth\{channel="executor"\} \d+/);
    expect(text).toMatch(/ferry_queue_depth\{channel="jobs\.default"\} \d+/);
    expect(text).toContain("ferry_workers 1");
    expect(text).toContain("ferry_process_resident_memory_bytes");
  });

  it("/metrics counts a PAUSING execution (an Approval running its onWait) among the open ones", async () => {
    const { id } = (await (await t.api("/executions/ops.test/pausing", { method: "POST" })).json()) as { id: string };
    for (const end = Date.now() + 10_000; ((await (await t.api(`/executions/${id}`)).json()) as { state: { current: string } }).state.current !== "PAUSING"; ) {
      if (Date.now() > end) throw new Error(`execution ${id} never PAUSING`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await (await fetch(`${t.ferry.url}/metrics`)).text()).toContain('ferry_executions{state="PAUSING"} 1');
    expect((await t.api(`/executions/${id}/kill`, { method: "DELETE" })).status).toBeLessThan(300);
  });

  it("/health/live and /health/ready answer, ready with its checks", async () => {
    expect(await (await fetch(`${t.ferry.url}/health/live`)).json()).toEqual({ status: "UP" });
    const ready = await fetch(`${t.ferry.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "UP", checks: { repository: "UP", queue: "UP" } });
  });

  it("/api/v1/plugins lists the loaded plugins, their types and versions", async () => {
    const plugins = (await (await t.api("/plugins")).json()) as Array<{ name: string; version: string; tasks: Array<{ type: string; aliases: string[] }>; triggers: Array<{ type: string; kind: string }> }>;
    expect(plugins.map((p) => `${p.name}@${p.version}`)).toEqual(["@ferry/plugin-core@0.1.0", "@ferry/plugin-script@0.1.0"]);
    expect(plugins[0].tasks.find((task) => task.type === "core.Log")?.aliases).toContain("io.kestra.plugin.core.log.Log");
    expect(plugins[0].triggers.map((trigger) => `${trigger.type}:${trigger.kind}`)).toEqual(["core.trigger.Schedule:schedule", "core.trigger.ScheduleOnDates:schedule", "core.trigger.Webhook:webhook", "core.trigger.Flow:flow", "core.http.Trigger:polling"]);
    expect(plugins[1].tasks.map((task) => task.type)).toEqual(["script.Bash", "script.Deno", "script.Node", "script.Python", "script.Shell"]);
  });

  it("/api/v1/plugins/schemas/flow is a JSON Schema of flows for the loaded plugins", async () => {
    const schema = (await (await t.api("/plugins/schemas/flow")).json()) as { required: string[]; $defs: { task: { properties: { type: { enum: string[] } } }; trigger: { properties: { type: { enum: string[] } } } } };
    expect(schema.required).toEqual(["id", "namespace", "tasks"]);
    expect(schema.$defs.task.properties.type.enum.length).toBeGreaterThan(20);
    // five triggers, each by its Ferry name and Kestra's (Schedule, Webhook and Flow also by Kestra's older names, http.Trigger by fs.http's)
    expect(schema.$defs.trigger.properties.type.enum).toEqual(expect.arrayContaining(["core.trigger.ScheduleOnDates", "io.kestra.plugin.core.trigger.ScheduleOnDates", "core.http.Trigger", "io.kestra.plugin.fs.http.Trigger"]));
    expect(schema.$defs.trigger.properties.type.enum.length).toBe(14);
  });
});
