import { createReadStream } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerryProcess, type FerryProcess } from "./support/ferry-process.js";
import { call, loadKestraSdk, type SdkAnswer } from "./support/kestra-sdk.js";

/**
 * Kestra's own JavaScript SDK (@kestra-io/kestra-sdk 0.24.1, generated from Kestra's OpenAPI
 * document) against a real `ferry server local` with Basic auth, through nothing but the SDK:
 * every path it builds carries Kestra's tenant (`/api/v1/main/...`). Where the SDK itself cannot
 * read an answer Kestra's controller gives in the same shape (it does so against Kestra too),
 * the test says so and reads the HTTP answer the SDK received.
 */
const T = "main";
const NS = "sdk.kestra";
const USER = "ada@example.com";
const PASSWORD = "Lovelace-1815";
const TERMINAL = new Set(["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "SKIPPED", "RETRIED"]);

let ferry: FerryProcess;
let restore: () => void;
let sdk: any;
let k: any;

beforeAll(async () => {
  const cwd = await mkdtemp(join(tmpdir(), "ferry-kestra-sdk-"));
  await writeFile(join(cwd, "ferry.yaml"), `server:\n  auth:\n    basic: [{ username: "${USER}", password: "${PASSWORD}" }]\n`);
  ferry = await startFerryProcess({ cwd });
  ({ sdk, restore } = loadKestraSdk());
  k = new sdk.KestraClient(ferry.url, undefined, USER, PASSWORD);
  // superagent hands an application/octet-stream answer to nobody unless asked to buffer it (the
  // SDK's getFileContent then gives undefined, against Kestra too): the SDK's plugin hook asks
  k.apiClient.plugins = [(request: { buffer(on: boolean): void }) => request.buffer(true)];
});
afterAll(async () => {
  restore?.();
  await ferry?.stop();
});

/** the SDK's own multipart call, with the form fields its generated createExecution/resumeExecution cannot send */
function multipart(path: string, pathParams: object, queryParams: object, form: Record<string, string>): Promise<SdkAnswer<any>> {
  return call((...args) => k.apiClient.callApi(path, "POST", pathParams, queryParams, {}, form, null, ["basicAuth", "bearerAuth"], ["multipart/form-data"], ["application/json"], Object, null, ...args));
}
const execute = (flowId: string, inputs: Record<string, string> = {}, wait = false) =>
  multipart("/api/v1/{tenant}/executions/{namespace}/{id}", { tenant: T, namespace: NS, id: flowId }, { wait }, inputs);
const getExecution = (id: string) => call(k.executionsApi.getExecution.bind(k.executionsApi), id, T);
async function until(id: string, done: (state: string) => boolean): Promise<any> {
  for (const end = Date.now() + 30_000; ; ) {
    const { data } = await getExecution(id);
    if (done(data.state.current)) return data;
    if (Date.now() > end) throw new Error(`execution ${id} stayed ${data.state.current}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const deploy = async (source: string) => {
  const created = await call(k.flowsApi.createFlow.bind(k.flowsApi), T, source);
  expect(created.status, created.text).toBe(200);
  return created;
};

describe("Kestra's JavaScript SDK against Ferry", () => {
  it("flows: create from YAML, get, update, search, list a namespace's, revisions, delete", async () => {
    const flows = k.flowsApi;
    const source = `id: crud\nnamespace: ${NS}\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: one\n`;
    const created = await deploy(source);
    expect(created.error).toBeNull();
    expect(created.data).toMatchObject({ id: "crud", namespace: NS, revision: 1, disabled: false, deleted: false });
    // the SDK's FlowWithSource model has no `source` property: it is in the answer all the same
    expect(created.body.source).toBe(source);

    const got = await call(flows.getFlow.bind(flows), NS, "crud", true, false, T, {});
    expect(got.error).toBeNull();
    expect(got.data).toMatchObject({ id: "crud", revision: 1, tasks: [{ id: "hello", type: "io.kestra.plugin.core.log.Log" }] });
    expect(got.body.source).toBe(source);

    // the SDK reads updateFlow's answer as oneOf(Flow, FlowWithSource); a FlowWithSource is both,
    // so it refuses Kestra's answer too ("Multiple matches"): the HTTP answer is read instead
    const updated = await call(flows.updateFlow.bind(flows), "crud", NS, T, source.replace("one", "two"));
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: "crud", revision: 2, disabled: false });

    const searched = await call(flows.searchFlows.bind(flows), 1, 10, T, { namespace: NS });
    expect(searched.error).toBeNull();
    expect(searched.data.total).toBeGreaterThanOrEqual(1);
    expect(searched.data.results.map((f: { id: string }) => f.id)).toContain("crud");

    const listed = await call(flows.listFlowsByNamespace.bind(flows), NS, T);
    expect(listed.error).toBeNull();
    const crud = listed.data.find((f: { id: string }) => f.id === "crud");
    expect(crud).toMatchObject({ id: "crud", namespace: NS, revision: 2 });
    expect(crud.source).toBeUndefined();

    const revisions = await call(flows.listFlowRevisions.bind(flows), NS, "crud", T);
    expect(revisions.data.map((f: { revision: number }) => f.revision)).toEqual([1, 2]);

    const deleted = await call(flows.deleteFlow.bind(flows), NS, "crud", T);
    expect(deleted.status).toBe(204);
    const gone = await call(flows.getFlow.bind(flows), NS, "crud", true, false, T, {});
    expect(gone.status).toBe(404);
  });

  it("executions: create with inputs (multipart), get in Kestra's shape, search, logs, labels, replay, delete", async () => {
    const ex = k.executionsApi;
    await deploy(
      `id: greet\nnamespace: ${NS}\ninputs:\n  - id: who\n    type: STRING\n    defaults: world\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: "hello {{ inputs.who }}"\n  - id: answer\n    type: io.kestra.plugin.core.debug.Return\n    format: "{{ inputs.who | upper }}"\n`,
    );

    // the generated createExecution sends no form fields and reads Kestra's single execution as
    // an array ("data.map is not a function", against Kestra too): the HTTP answer is read instead
    const plain = await call(ex.createExecution.bind(ex), NS, "greet", false, T, { labels: ["team:data"] });
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ namespace: NS, flowId: "greet", state: { current: "CREATED" }, inputs: { who: "world" } });
    expect(plain.body.labels).toContainEqual({ key: "team", value: "data" });

    const run = await execute("greet", { who: "ada" }, true);
    expect(run.error).toBeNull();
    expect(run.data).toMatchObject({ flowId: "greet", inputs: { who: "ada" }, state: { current: "SUCCESS" } });
    const id: string = run.data.id;

    const got = await getExecution(id);
    expect(got.error).toBeNull();
    const execution = got.data;
    expect(execution).toMatchObject({ id, namespace: NS, flowId: "greet", flowRevision: 1, state: { current: "SUCCESS" } });
    expect(execution.state.histories.map((h: { state: string }) => h.state)).toEqual(["CREATED", "RUNNING", "SUCCESS"]);
    // the SDK turns Kestra's date-times into Dates
    expect(execution.state.startDate).toBeInstanceOf(Date);
    expect(execution.state.duration).toMatch(/^PT/);
    expect(execution.taskRunList.map((r: { taskId: string; state: { current: string } }) => [r.taskId, r.state.current])).toEqual([
      ["hello", "SUCCESS"],
      ["answer", "SUCCESS"],
    ]);
    expect(execution.taskRunList[1]).toMatchObject({ executionId: id, outputs: { value: "ADA" }, attempts: [{ state: { current: "SUCCESS" } }] });

    const searched = await call(ex.searchExecutions.bind(ex), 1, 10, T, { namespace: NS, flowId: "greet" });
    expect(searched.error).toBeNull();
    expect(searched.data.results.map((e: { id: string }) => e.id)).toContain(id);
    const byFlow = await call(ex.searchExecutionsByFlowId.bind(ex), NS, "greet", 1, 10, T);
    expect(byFlow.error).toBeNull();
    expect(byFlow.data.total).toBe(searched.data.total);

    const logs = await call(k.logsApi.listLogsFromExecution.bind(k.logsApi), id, T, { minLevel: "INFO" });
    expect(logs.error).toBeNull();
    expect(logs.data).toContainEqual(expect.objectContaining({ executionId: id, taskId: "hello", level: "INFO", message: "hello ada" }));

    const labelled = await call(ex.setLabelsOnTerminatedExecution.bind(ex), id, T, [{ key: "env", value: "e2e" }]);
    expect(labelled.error).toBeNull();
    expect(labelled.data.labels).toContainEqual({ key: "env", value: "e2e" });

    const replay = await call(ex.replayExecution.bind(ex), id, T, {});
    expect(replay.error).toBeNull();
    expect(replay.data).toMatchObject({ flowId: "greet", originalId: id, inputs: { who: "ada" } });
    expect(replay.data.id).not.toBe(id);
    await until(replay.data.id, (s) => TERMINAL.has(s));

    const deleted = await call(ex.deleteExecution.bind(ex), id, true, true, true, T);
    expect(deleted.status).toBe(204);
    expect((await getExecution(id)).status).toBe(404);
  });

  it("executions: kill a running one, restart a failed one, resume a paused one with inputs", async () => {
    const ex = k.executionsApi;
    await deploy(`id: nap\nnamespace: ${NS}\ntasks:\n  - id: sleep\n    type: io.kestra.plugin.core.flow.Sleep\n    duration: PT60S\n`);
    await deploy(`id: boom\nnamespace: ${NS}\ntasks:\n  - id: fail\n    type: io.kestra.plugin.core.execution.Fail\n    errorMessage: on purpose\n`);
    await deploy(
      `id: gate\nnamespace: ${NS}\ntasks:\n  - id: approve\n    type: io.kestra.plugin.core.flow.Pause\n    onResume:\n      - id: reason\n        type: STRING\n  - id: after\n    type: io.kestra.plugin.core.log.Log\n    message: "approved: {{ outputs.approve.onResume.reason }}"\n`,
    );

    const sleeping = (await execute("nap")).data.id;
    await until(sleeping, (s) => s === "RUNNING");
    const killed = await call(ex.killExecution.bind(ex), sleeping, true, T);
    expect(killed.error).toBeNull();
    expect(killed.status).toBe(202);
    expect((await until(sleeping, (s) => TERMINAL.has(s))).state.current).toBe("KILLED");

    const failed = (await execute("boom", {}, true)).data;
    expect(failed.state.current).toBe("FAILED");
    const restarted = await call(ex.restartExecution.bind(ex), failed.id, T, {});
    expect(restarted.error).toBeNull();
    expect(restarted.data).toMatchObject({ id: failed.id, state: { current: "RESTARTED" } });
    expect(restarted.data.labels).toContainEqual({ key: "system.restarted", value: "true" });
    expect((await until(failed.id, (s) => TERMINAL.has(s) && s !== "RESTARTED")).state.current).toBe("FAILED");

    const paused = (await execute("gate")).data.id;
    await until(paused, (s) => s === "PAUSED");
    // the generated resumeExecution sends no form fields: Ferry names the input it needs
    const bare = await call(ex.resumeExecution.bind(ex), paused, T);
    expect(bare.status).toBe(422);
    expect(bare.body.message).toContain("reason");
    const resumed = await multipart("/api/v1/{tenant}/executions/{executionId}/resume", { tenant: T, executionId: paused }, {}, { reason: "looks good" });
    expect(resumed.error).toBeNull();
    expect((await until(paused, (s) => TERMINAL.has(s))).state.current).toBe("SUCCESS");
    const logs = await call(k.logsApi.listLogsFromExecution.bind(k.logsApi), paused, T, {});
    expect(logs.data.map((l: { message: string }) => l.message)).toContain("approved: looks good");
  });

  it("KV store: put, get, list, delete", async () => {
    const kv = k.kvApi;
    expect((await call(kv.setKeyValue.bind(kv), NS, "greeting", T, JSON.stringify("hello"))).status).toBe(200);
    expect((await call(kv.setKeyValue.bind(kv), NS, "answer", T, "42")).status).toBe(200);
    const got = await call(kv.getKeyValue.bind(kv), NS, "greeting", T);
    expect(got.error).toBeNull();
    expect(got.data).toMatchObject({ type: "STRING", value: "hello" });
    expect((await call(kv.getKeyValue.bind(kv), NS, "answer", T)).data).toMatchObject({ type: "NUMBER", value: 42 });
    const listed = await call(kv.listKeys.bind(kv), NS, T);
    expect(listed.error).toBeNull();
    expect(listed.data.map((e: { key: string }) => e.key).sort()).toEqual(["answer", "greeting"]);
    const deleted = await call(kv.deleteKeyValue.bind(kv), NS, "greeting", T);
    expect(deleted.data).toBe(true);
    expect((await call(kv.getKeyValue.bind(kv), NS, "greeting", T)).status).toBe(404);
  });

  it("namespace files: upload, list, stats, search, read, delete", async () => {
    const files = k.filesApi;
    const local = join(await mkdtemp(join(tmpdir(), "ferry-sdk-file-")), "main.py");
    await writeFile(local, "print('hello from a namespace file')\n");
    const uploaded = await call(files.createNamespaceFile.bind(files), NS, "/scripts/main.py", T, { fileContent: createReadStream(local) });
    expect(uploaded.error).toBeNull();

    const listed = await call(files.listNamespaceDirectoryFiles.bind(files), NS, T, { path: "/scripts" });
    expect(listed.error).toBeNull();
    expect(listed.data).toContainEqual(expect.objectContaining({ fileName: "main.py", type: "File" }));
    const stats = await call(files.getFileMetadatas.bind(files), NS, T, { path: "/scripts/main.py" });
    expect(stats.data).toMatchObject({ fileName: "main.py", type: "File", size: 37 });
    expect((await call(files.getFileMetadatas.bind(files), NS, T, { path: "/scripts" })).data).toMatchObject({ fileName: "scripts", type: "Directory" });
    const found = await call(files.searchNamespaceFiles.bind(files), NS, "main", T);
    expect(found.data).toEqual(["/scripts/main.py"]);
    const read = await call(files.getFileContent.bind(files), NS, "/scripts/main.py", T);
    expect(read.status).toBe(200);
    expect(String(read.data)).toBe("print('hello from a namespace file')\n");

    expect((await call(files.deleteFileDirectory.bind(files), NS, "/scripts/main.py", T)).status).toBe(204);
    expect((await call(files.getFileContent.bind(files), NS, "/scripts/main.py", T)).status).toBe(404);
  });

  it("triggers and namespaces: search triggers, a flow's triggers, search and get namespaces", async () => {
    await deploy(`id: nightly\nnamespace: ${NS}\ntasks:\n  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: night\ntriggers:\n  - id: every-night\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: "0 2 * * *"\n`);
    const triggers = k.triggersApi;
    const searched = await call(triggers.searchTriggers.bind(triggers), 1, 10, T, { namespace: NS });
    expect(searched.error).toBeNull();
    expect(searched.data.results).toContainEqual(expect.objectContaining({ triggerContext: expect.objectContaining({ namespace: NS, flowId: "nightly", triggerId: "every-night", disabled: false }) }));
    const forFlow = await call(triggers.searchTriggersForFlow.bind(triggers), 1, 10, NS, "nightly", T, {});
    expect(forFlow.error).toBeNull();
    expect(forFlow.data).toMatchObject({ total: 1, results: [{ namespace: NS, flowId: "nightly", triggerId: "every-night" }] });

    const namespaces = k.namespacesApi;
    const found = await call(namespaces.searchNamespaces.bind(namespaces), 1, 10, T, { q: "kestra" });
    expect(found.error).toBeNull();
    expect(found.data.results.map((n: { id: string }) => n.id)).toContain(NS);
    expect((await call(namespaces.getNamespace.bind(namespaces), NS, T)).data).toMatchObject({ id: NS });
  });

  it("configuration: Kestra's /configs says which API this is (Ferry's 0.x version: Kestra's 1.x paths)", async () => {
    const config = await call(k.miscApi.getConfiguration.bind(k.miscApi));
    expect(config.error).toBeNull();
    expect(config.body).toMatchObject({ edition: "OSS", isBasicAuthInitialized: true });
    expect(config.body.version).toMatch(/^0\./);
  });

  it("refuses what Ferry does not serve with a 4xx JSON naming it: Enterprise endpoints, another tenant, no credentials", async () => {
    const users = await call(k.usersApi.listUsers.bind(k.usersApi), 1, 10, {});
    expect(users.status).toBe(404);
    expect(users.body.message).toContain("Enterprise Edition");
    const groups = await call(k.groupsApi.searchGroups.bind(k.groupsApi), 1, 10, T, {});
    expect(groups.status).toBe(404);
    expect(groups.body.message).toContain("/groups");
    const other = await call(k.flowsApi.searchFlows.bind(k.flowsApi), 1, 10, "acme", {});
    expect(other.status).toBe(404);
    expect(other.body.message).toContain("unknown tenant 'acme'");

    // a client of its own, without credentials (KestraClient shares one ApiClient)
    const anonymous = new sdk.ExecutionsApi(new sdk.ApiClient(ferry.url));
    const refused = await call(anonymous.searchExecutions.bind(anonymous), 1, 10, T, {});
    expect(refused.status).toBe(401);
    expect(refused.body.message).toContain("authentication required");
  });
});
