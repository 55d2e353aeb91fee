import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";
import type { DailyStatistics, FlowStatistics } from "../ui/execution-statistics.js";

let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry()));
afterAll(async () => t?.close());

const post = (path: string, body: unknown) => t.api(`/executions/statistics/${path}`, { method: "POST", body: typeof body === "string" ? body : JSON.stringify(body), headers: { "content-type": "application/json" } });

describe("execution statistics", () => {
  it("counts executions per state per day and per flow, with their durations", async () => {
    await t.deploy("id: ok\nnamespace: stats.test\ntasks:\n  - { id: log, type: core.Log, message: hi }\n");
    await t.deploy("id: bad\nnamespace: stats.test\ntasks:\n  - { id: boom, type: core.Fail, errorMessage: no }\n");
    for (const flow of ["ok", "ok", "bad"]) await t.api(`/executions/stats.test/${flow}?wait=true`, { method: "POST" });
    await t.deploy("id: other\nnamespace: elsewhere\ntasks:\n  - { id: log, type: core.Log, message: hi }\n");
    await t.api("/executions/elsewhere/other?wait=true", { method: "POST" });

    const daily = (await (await post("daily", { namespace: "stats.test" })).json()) as DailyStatistics[];
    expect(daily.length).toBeGreaterThanOrEqual(30);
    const today = daily.find((d) => d.startDate === new Date().toISOString().slice(0, 10))!;
    expect(today.executionCounts).toMatchObject({ SUCCESS: 2, FAILED: 1, RUNNING: 0 });
    expect(today.duration.count).toBe(3);
    expect(today.duration.max).toBeGreaterThanOrEqual(today.duration.min);
    expect(daily.filter((d) => d !== today).every((d) => Object.values(d.executionCounts).every((n) => n === 0))).toBe(true);

    const flows = (await (await post("flows", {})).json()) as FlowStatistics[];
    const byFlow = Object.fromEntries(flows.map((f) => [`${f.namespace}.${f.flowId}`, f]));
    expect(byFlow["stats.test.ok"].executionCounts.SUCCESS).toBe(2);
    expect(byFlow["stats.test.bad"].executionCounts.FAILED).toBe(1);
    expect(byFlow["elsewhere.other"].duration.count).toBe(1);
    const one = (await (await post("flows", { namespace: "stats.test", flowId: "bad" })).json()) as FlowStatistics[];
    expect(one.map((f) => f.flowId)).toEqual(["bad"]);
  });

  it("keeps to the range asked", async () => {
    const past = (await (await post("daily", { startDate: "2020-01-01T00:00:00Z", endDate: "2020-01-03T00:00:00Z" })).json()) as DailyStatistics[];
    expect(past.map((d) => d.startDate)).toEqual(["2020-01-01", "2020-01-02", "2020-01-03"]);
    expect(past.every((d) => Object.values(d.executionCounts).every((n) => n === 0))).toBe(true);
  });

  it("answers 4xx naming what is wrong in the body", async () => {
    const cases: Array<[unknown, number, string]> = [
      ["[1]", 400, "JSON object"],
      ["{not json", 400, ""],
      [{ startDate: "yesterday" }, 400, "startDate"],
      [{ since: "2026-01-01" }, 400, "since"],
      [{ namespace: 3 }, 400, "namespace"],
      [{ startDate: "2026-02-01T00:00:00Z", endDate: "2026-01-01T00:00:00Z" }, 400, "after"],
      [{ startDate: "2020-01-01T00:00:00Z", endDate: "2026-01-01T00:00:00Z" }, 422, "366"],
    ];
    for (const [body, status, words] of cases) {
      const response = await post("daily", body);
      expect(response.status, JSON.stringify(body)).toBe(status);
      expect(((await response.json()) as { message: string }).message).toContain(words);
    }
  });
});
