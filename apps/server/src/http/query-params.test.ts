import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../server.test-support.js";

/** A search or list parameter is honoured or refused (400): an ignored filter would answer more than was asked. */
let t: TestFerry;
let executionId: string;
beforeAll(async () => {
  t = await startTestFerry();
  await t.deploy("id: q\nnamespace: query.test\ntasks:\n  - { id: log, type: core.Log, message: hi }\n");
  executionId = ((await (await t.api("/executions/query.test/q?wait=true", { method: "POST" })).json()) as { id: string }).id;
});
afterAll(async () => t?.close());

const answer = async (path: string) => {
  const response = await t.api(path);
  return { status: response.status, message: ((await response.json()) as { message?: string }).message };
};

describe("search and list parameters", () => {
  it("an unknown one is 400 naming it and what the endpoint reads; Kestra's that Ferry lacks say so", async () => {
    expect(await answer("/executions/search?namespace=query.test&flowid=q")).toEqual({
      status: 400,
      message: "unknown query parameter 'flowid' (this endpoint reads namespace, flowId, state, labels, startDate, endDate, kind, parentId, page, size, after)",
    });
    expect(await answer("/executions/search?sort=state.startDate:desc")).toEqual({
      status: 400,
      message: "not supported by Ferry yet: query parameter 'sort' (this endpoint reads namespace, flowId, state, labels, startDate, endDate, kind, parentId, page, size, after)",
    });
    expect((await answer("/executions/search?timeRange=PT1H")).message).toMatch(/^not supported by Ferry yet: query parameter 'timeRange'/);
    expect((await answer("/flows/search?namespace=query.test&sort=id:asc")).status).toBe(400);
    expect((await answer("/triggers/search?flow=q")).message).toMatch(/^unknown query parameter 'flow' \(this endpoint reads namespace, flowId, q, page, size\)/);
    expect((await answer(`/logs/${executionId}?level=ERROR`)).message).toBe("unknown query parameter 'level' (this endpoint reads taskId, taskRunId, minLevel)");
    expect((await answer(`/metrics/${executionId}?task=log`)).status).toBe(400);
    expect((await answer("/namespaces/query.test/kv?prefx=a")).status).toBe(400);
  });

  it("labels: 100 filter a search, more are 400 by count (1,000 were SQLite's 'Expression tree is too large', a 500)", async () => {
    const labels = (n: number) => Array.from({ length: n }, (_, i) => `labels=k${i}:v`).join("&");
    const hundred = await t.api(`/executions/search?namespace=query.test&${labels(100)}`);
    expect(hundred.status).toBe(200);
    expect(((await hundred.json()) as { total: number }).total).toBe(0);
    expect(await answer(`/executions/search?${labels(1000)}`)).toEqual({ status: 400, message: "at most 100 labels (1000 given)" });
    expect((await t.api(`/executions/query.test/q?${labels(101)}`, { method: "POST" })).status).toBe(400);
  });

  it("the ones each endpoint reads still work", async () => {
    const found = (await (await t.api("/executions/search?namespace=query.test&flowId=q&state=SUCCESS&page=1&size=5")).json()) as { total: number };
    expect(found.total).toBe(1);
    expect((await t.api("/flows/search?namespace=query.test&q=q")).status).toBe(200);
    expect((await t.api("/triggers/search?namespace=query.test")).status).toBe(200);
    const logs = (await (await t.api(`/logs/${executionId}?minLevel=INFO&taskId=log`)).json()) as Array<{ message: string }>;
    expect(logs.map((l) => l.message)).toContain("hi");
    expect((await t.api(`/metrics/${executionId}?taskId=log`)).status).toBe(200);
    expect((await t.api("/namespaces/query.test/kv?prefix=a")).status).toBe(200);
  });

  it("wait is true or false (Kestra's Boolean): another value is 400 and starts nothing", async () => {
    const before = ((await (await t.api("/executions/search?namespace=query.test")).json()) as { total: number }).total;
    const refused = await t.api("/executions/query.test/q?wait=yes", { method: "POST" });
    expect({ status: refused.status, body: await refused.json() }).toEqual({ status: 400, body: { message: "query parameter wait='yes' must be true or false" } });
    expect(((await (await t.api("/executions/search?namespace=query.test")).json()) as { total: number }).total).toBe(before);
    const started = (await (await t.api("/executions/query.test/q?wait=false", { method: "POST" })).json()) as { state: { current: string } };
    expect(started.state.current).toBe("CREATED");
  });
});
