import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry({ retention: { enabled: false } });
  await t.deploy(`id: work
namespace: delete.test
inputs:
  - { id: doc, type: FILE }
tasks:
  - { id: hello, type: core.Log, message: "working on {{ inputs.doc }}" }
  - { id: out, type: core.OutputValues, values: { answer: 42 } }
`);
  await t.deploy(`id: measured
namespace: delete.test
tasks:
  - id: count
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - >-
        echo '::{"metrics":[{"name":"rows","type":"counter","value":3}]}::'
`);
  await t.deploy("id: slow\nnamespace: delete.test\ntasks:\n  - { id: nap, type: core.Sleep, duration: PT1M }\n");
});
afterAll(async () => t?.close());

const files = (dir: string) => readdir(join(t.dir, ".ferry/storage", dir), { recursive: true }).catch(() => [] as string[]);

describe("DELETE /api/v1/executions/{id}", () => {
  it("removes an ended execution with its task runs, logs and files, and no other", async () => {
    const run = async () => {
      const body = new FormData();
      body.append("doc", new Blob(["file body"]), "doc.txt");
      return ((await (await t.api("/executions/delete.test/work?wait=true", { method: "POST", body })).json()) as { id: string }).id;
    };
    const [doomed, kept] = [await run(), await run()];
    expect((await files(`delete/test/work/executions/${doomed}`)).length).toBeGreaterThan(0);
    const deleted = await t.api(`/executions/${doomed}`, { method: "DELETE" });
    expect(deleted.status).toBe(204);
    expect((await t.api(`/executions/${doomed}`)).status).toBe(404);
    expect((await t.api(`/logs/${doomed}`)).status).toBe(404);
    expect(await files(`delete/test/work/executions/${doomed}`)).toEqual([]);
    expect((await t.api(`/executions/${kept}`)).status).toBe(200);
    expect((await files(`delete/test/work/executions/${kept}`)).length).toBeGreaterThan(0);
    // a second delete finds nothing
    expect(await (await t.api(`/executions/${doomed}`, { method: "DELETE" })).json()).toEqual({ message: `execution ${doomed} not found` });
  });

  it("keeps the logs, metrics or files when deleteLogs, deleteMetrics or deleteStorage say false (Kestra's flags); another value is 400", async () => {
    const run = async () => {
      const body = new FormData();
      body.append("doc", new Blob(["kept bytes"]), "doc.txt");
      return ((await (await t.api("/executions/delete.test/work?wait=true", { method: "POST", body })).json()) as { id: string }).id;
    };
    const keepFiles = await run();
    expect((await t.api(`/executions/${keepFiles}?deleteStorage=maybe`, { method: "DELETE" })).status).toBe(400);
    expect((await t.api(`/executions/${keepFiles}?deleteStorage=false`, { method: "DELETE" })).status).toBe(204);
    expect((await t.api(`/executions/${keepFiles}`)).status).toBe(404);
    expect((await files(`delete/test/work/executions/${keepFiles}`)).length).toBeGreaterThan(0);

    const keepLogs = await run();
    const repository = t.ferry.deps.repository;
    expect((await repository.findLogs(keepLogs, {})).length).toBeGreaterThan(0);
    expect((await t.api(`/executions/${keepLogs}?deleteLogs=false`, { method: "DELETE" })).status).toBe(204);
    expect((await repository.findLogs(keepLogs, {})).length).toBeGreaterThan(0);
    expect(await files(`delete/test/work/executions/${keepLogs}`)).toEqual([]);

    const measure = async () => ((await (await t.api("/executions/delete.test/measured?wait=true", { method: "POST" })).json()) as { id: string }).id;
    const [keepMetrics, dropMetrics] = [await measure(), await measure()];
    expect(await repository.findMetrics(keepMetrics, {})).toEqual([expect.objectContaining({ name: "rows", value: 3 })]);
    expect((await t.api(`/executions/${keepMetrics}?deleteMetrics=false`, { method: "DELETE" })).status).toBe(204);
    expect((await t.api(`/executions/${dropMetrics}`, { method: "DELETE" })).status).toBe(204);
    expect(await repository.findMetrics(keepMetrics, {})).toHaveLength(1);
    expect(await repository.findMetrics(dropMetrics, {})).toEqual([]);
  });

  it("refuses a running execution with 409 (kill it first), and keeps it", async () => {
    const { id } = (await (await t.api("/executions/delete.test/slow", { method: "POST" })).json()) as { id: string };
    const refused = await t.api(`/executions/${id}`, { method: "DELETE" });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { message: string }).message).toMatch(new RegExp(`^execution ${id} is (CREATED|RUNNING): only an ended execution can be deleted \\(kill it first\\)$`));
    expect((await t.api(`/executions/${id}`)).status).toBe(200);
    await t.api(`/executions/${id}/kill`, { method: "DELETE" });
    await t.waitForEnd(id);
    expect((await t.api(`/executions/${id}`, { method: "DELETE" })).status).toBe(204);
  });
});
