import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "./server.test-support.js";

let t: TestFerry;
beforeAll(async () => void (t = await startTestFerry({ retention: { enabled: false } })));
afterAll(async () => t?.close());

const run = async (namespace: string, flowId: string, body?: FormData) => {
  const response = await t.api(`/executions/${namespace}/${flowId}?wait=true`, { method: "POST", body });
  expect(response.status).toBe(200);
  return (await response.json()) as { id: string; state: { current: string }; taskRunList: Array<{ taskId: string; outputs: any }> };
};
const files = (dir: string) => readdir(join(t.dir, ".ferry/storage", dir), { recursive: true }).catch(() => [] as string[]);
const outputsOf = (execution: Awaited<ReturnType<typeof run>>, taskId: string) => execution.taskRunList.find((r) => r.taskId === taskId)?.outputs;

describe("purge tasks", () => {
  it("PurgeExecutions (Kestra's name) removes ended executions of a flow with their logs, metrics and storage, and nothing else", async () => {
    await t.deploy(`id: work
namespace: purge.test
inputs:
  - { id: doc, type: FILE }
tasks:
  - { id: hello, type: core.Log, message: "working on {{ inputs.doc }}" }
  - { id: out, type: core.OutputValues, values: { answer: 42 } }
`);
    await t.deploy("id: other\nnamespace: purge.test\ntasks:\n  - { id: hello, type: core.Log, message: kept }\n");
    const form = () => {
      const body = new FormData();
      body.append("doc", new Blob(["file body"]), "doc.txt");
      return body;
    };
    const doomed = [await run("purge.test", "work", form()), await run("purge.test", "work", form())];
    const kept = await run("purge.test", "other");
    expect((await files("purge/test/work/executions")).length).toBeGreaterThan(0);

    await t.deploy(`id: purge
namespace: system
tasks:
  - id: purge
    type: io.kestra.plugin.core.execution.PurgeExecutions
    namespace: purge.test
    flowId: work
    endDate: "{{ now() }}"
`);
    const purge = await run("system", "purge");
    expect(purge.state.current).toBe("SUCCESS");
    const counts = outputsOf(purge, "purge");
    expect(counts).toMatchObject({ executionsCount: 2, metricsCount: 0 });
    expect(counts.logsCount).toBeGreaterThanOrEqual(2);
    expect(counts.storagesCount).toBeGreaterThanOrEqual(6); // per execution: inputs.json, the file, outputs
    for (const e of doomed) {
      expect((await t.api(`/executions/${e.id}`)).status).toBe(404);
      expect((await t.api(`/logs/${e.id}`)).status).toBe(404);
    }
    expect(await files("purge/test/work/executions")).toEqual([]);
    expect((await t.api(`/executions/${kept.id}`)).status).toBe(200);
    expect(((await (await t.api(`/logs/${kept.id}`)).json()) as unknown[]).length).toBeGreaterThan(0);
    // the purge's own execution was running: never purged
    expect((await t.api(`/executions/${purge.id}`)).status).toBe(200);
  });

  it("PurgeExecutions keeps records when asked, PurgeLogs removes log lines by execution and level", async () => {
    await t.deploy("id: chatty\nnamespace: purge.logs\ntasks:\n  - { id: a, type: core.Log, message: info line }\n  - { id: b, type: core.Log, level: WARN, message: warn line }\n");
    const chatty = await run("purge.logs", "chatty");
    await t.deploy(`id: purge-logs
namespace: system
tasks:
  - id: warn_only
    type: io.kestra.plugin.core.log.PurgeLogs
    executionId: ${chatty.id}
    logLevels: [WARN]
    endDate: "{{ now() | dateAdd(1, 'DAYS') }}"
  - id: keep_records
    # Kestra's older name for PurgeExecutions (its @Plugin aliases)
    type: io.kestra.core.tasks.storages.Purge
    namespace: purge.logs
    endDate: "{{ now() | dateAdd(1, 'DAYS') }}"
    purgeExecution: false
    purgeStorage: false
`);
    const purge = await run("system", "purge-logs");
    expect(outputsOf(purge, "warn_only")).toEqual({ count: 1 });
    expect(outputsOf(purge, "keep_records")).toMatchObject({ executionsCount: 0, logsCount: 1, storagesCount: 0 });
    expect((await t.api(`/executions/${chatty.id}`)).status).toBe(200);
    expect(await (await t.api(`/logs/${chatty.id}`)).json()).toEqual([]);
  });

  it("PurgeKV removes expired pairs by default, every match with expiredOnly: false, by namespace and key pattern", async () => {
    const put = (ns: string, key: string, ttl?: string) =>
      t.api(`/namespaces/${ns}/kv/${key}`, { method: "PUT", body: '"v"', headers: { "content-type": "application/json", ...(ttl ? { ttl } : {}) } });
    await put("purge.kv", "brief", "PT0.1S");
    await put("purge.kv.child", "brief", "PT0.1S");
    await put("purge.kv", "cache_a");
    await put("purge.kv", "cache_b");
    await put("purge.kv", "keep");
    await put("purge.other", "cache_c");
    await new Promise((r) => setTimeout(r, 200));
    await t.deploy(`id: purge-kv
namespace: system
tasks:
  - { id: expired, type: io.kestra.plugin.core.kv.PurgeKV, namespaces: [purge.kv] }
  - { id: caches, type: core.PurgeKV, namespacePattern: "purge.*", keyPattern: "cache_*", expiredOnly: false, includeChildNamespaces: false }
`);
    const purge = await run("system", "purge-kv");
    expect(outputsOf(purge, "expired")).toEqual({ size: 2 });
    expect(outputsOf(purge, "caches")).toEqual({ size: 3 });
    expect(((await (await t.api("/namespaces/purge.kv/kv")).json()) as Array<{ key: string }>).map((e) => e.key)).toEqual(["keep"]);
    // each value version is a file at _kv/@versions/<key>/<id>; the purged keys' versions are gone
    const versions = (await files("purge/kv/_kv/@versions")).filter((f) => f.split("/").length === 2);
    expect(versions.map((f) => f.split("/")[0])).toEqual(["keep"]);
  });

  it("a bad endDate is refused at deploy naming its line, or fails the task when a template renders it", async () => {
    const refused = await t.api("/flows", { method: "POST", body: "id: bad-purge\nnamespace: system\ntasks:\n  - id: p\n    type: core.PurgeExecutions\n    endDate: yesterday\n", headers: { "content-type": "application/x-yaml" } });
    expect(refused.status).toBe(422);
    expect(await refused.json()).toMatchObject({ errors: [{ path: "tasks[0].endDate", line: 6 }] });
    await t.deploy("id: bad-purge\nnamespace: system\ntasks:\n  - { id: p, type: core.PurgeExecutions, endDate: \"{{ 'yester' ~ 'day' }}\" }\n");
    const purge = await run("system", "bad-purge");
    expect(purge.state.current).toBe("FAILED");
    const logs = (await (await t.api(`/logs/${purge.id}`)).json()) as Array<{ message: string }>;
    expect(logs.map((l) => l.message).join("\n")).toMatch(/endDate.*ISO-8601 date-time/s);
  });
});

describe("retention", () => {
  it("purges ended executions older than retention.executions on its own, and keeps them when disabled", async () => {
    const swept = await startTestFerry({ retention: { executions: "PT0.2S", every: "PT0.5S" } });
    try {
      await swept.deploy("id: brief\nnamespace: retention.test\ntasks:\n  - { id: a, type: core.OutputValues, values: { x: 1 } }\n");
      const response = await swept.api("/executions/retention.test/brief?wait=true", { method: "POST" });
      const { id } = (await response.json()) as { id: string };
      // the Purger removes records first and bytes after (a crash between leaves bytes, never a record pointing at
      // nothing): the folder may outlive the 404 by a moment, so both are awaited
      const folder = () => readdir(join(swept.dir, ".ferry/storage/retention/test/brief/executions")).catch(() => []);
      const until = Date.now() + 10_000;
      while ((await swept.api(`/executions/${id}`)).status !== 404 || (await folder()).length > 0) {
        if (Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect((await swept.api(`/executions/${id}`)).status).toBe(404);
      expect(await folder()).toEqual([]);
    } finally {
      await swept.close();
    }
    // this suite's server runs with retention off: the executions above are still there
    expect(((await (await t.api("/executions/search?namespace=purge.test")).json()) as { total: number }).total).toBeGreaterThan(0);
  });
});
