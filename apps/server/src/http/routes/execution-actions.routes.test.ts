import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { storageKeyOf } from "@ferry/sdk";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerry, type FerryServer } from "../../ferry.js";

let ferry: FerryServer;
let dir: string;
const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
const post = (path: string, body?: unknown) => api(path, { method: "POST", headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-actions-"));
  ferry = await startFerry({ config: configSchema.parse({ server: { port: 0 } }), baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
  const flow = `id: chain
namespace: actions.test
labels: { team: data }
inputs:
  - { id: who, type: STRING }
tasks:
  - { id: first, type: core.Return, format: "first for {{ inputs.who }} in {{ execution.id }}" }
  - { id: second, type: core.Return, format: "second after {{ outputs.first.value }}" }
  - { id: gate, type: core.Fail, condition: "{{ inputs.who == 'nobody' }}" }
`;
  expect((await api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: flow })).status).toBe(200);
});
afterAll(async () => {
  await ferry.close();
  await rm(dir, { recursive: true, force: true });
});

const run = async (who: string) => (await json(await post("/executions/actions.test/chain?wait=true", { who }))).body;
const waitEnd = async (id: string) => {
  for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    const { body } = await json(await api(`/executions/${id}`));
    if (["SUCCESS", "FAILED", "WARNING", "KILLED"].includes(body.state.current)) return body;
  }
  throw new Error(`execution ${id} did not end`);
};
const runOf = (execution: any, taskId: string) => execution.taskRunList.find((r: any) => r.taskId === taskId);

describe("POST /api/v1/executions/{id}/replay", () => {
  it("replays from the start: same inputs and labels, system.replay, Kestra's parentId and originalId; the source is labelled system.replayed", async () => {
    const source = await run("ada");
    const { status, body } = await json(await post(`/executions/${source.id}/replay`));
    expect(status).toBe(200);
    expect(body).toMatchObject({ parentId: source.id, originalId: source.id, inputs: { who: "ada" } });
    expect(body.labels).toEqual(expect.arrayContaining([{ key: "team", value: "data" }, { key: "system.replay", value: "true" }, { key: "system.correlationId", value: source.id }]));
    const done = await waitEnd(body.id);
    expect(done.state.current).toBe("SUCCESS");
    expect(runOf(done, "first").outputs.value).toBe(`first for ada in ${body.id}`);
    expect((await json(await api(`/executions/${source.id}`))).body.labels).toContainEqual({ key: "system.replayed", value: "true" });
  });

  it("replays from a task run: the runs before it are kept with their outputs, it and its successors run again", async () => {
    const source = await run("nobody");
    expect(source.state.current).toBe("FAILED");
    const from = runOf(source, "second").id;
    const replay = (await json(await post(`/executions/${source.id}/replay?taskRunId=${from}`))).body;
    // answered as Kestra's ExecutionService.replay returns it: RESTARTED with the source's history, the target RESTARTED (ExecutionServiceTest.replaySimple)
    expect(replay.state.current).toBe("RESTARTED");
    expect(replay.state.histories.map((h: any) => h.state)).toEqual([...source.state.histories.map((h: any) => h.state), "RESTARTED"]);
    expect(runOf(replay, "second").state.current).toBe("RESTARTED");
    expect(runOf(replay, "second").state.histories).toHaveLength(runOf(source, "second").state.histories.length + 1);
    expect(replay.taskRunList).toHaveLength(2);
    const done = await waitEnd(replay.id);
    // the kept run still says which execution made it: its outputs were not computed again
    expect(runOf(done, "first").outputs.value).toBe(`first for nobody in ${source.id}`);
    expect(runOf(done, "first").id).not.toBe(runOf(source, "first").id);
    expect(runOf(done, "second").outputs.value).toBe(`second after first for nobody in ${source.id}`);
    expect(done.state.current).toBe("FAILED");
    expect(done.originalId).toBe(source.id);
    // a replay of the replay stays in the first execution's chain
    const again = (await json(await post(`/executions/${replay.id}/replay`))).body;
    expect(again).toMatchObject({ parentId: replay.id, originalId: source.id });
    await waitEnd(again.id);
  });

  it("a restart marks the execution system.restarted, as Kestra does", async () => {
    const source = await run("nobody");
    const restarted = (await json(await post(`/executions/${source.id}/restart`))).body;
    expect(restarted.labels).toContainEqual({ key: "system.restarted", value: "true" });
    await waitEnd(source.id);
  });

  it("refuses what it cannot replay with a clear 4xx and creates nothing", async () => {
    const source = await run("bob");
    const count = async () => (await json(await api("/executions/search?namespace=actions.test&size=1"))).body.total;
    const before = await count();
    expect(await json(await post(`/executions/${source.id}/replay?taskRunId=nope`))).toMatchObject({ status: 422, body: { message: `Task run id 'nope' not found in execution '${source.id}'` } });
    expect((await json(await post("/executions/no-such-execution/replay"))).status).toBe(404);
    expect(await json(await post(`/executions/${source.id}/replay?revision=99`))).toMatchObject({ status: 404, body: { message: "flow actions.test.chain revision 99 not found" } });
    expect((await json(await post(`/executions/${source.id}/replay?revision=abc`))).status).toBe(400);
    // its inputs were purged by a retention rule: the replay says so
    const stored = (await ferry.deps.repository.getExecution(source.id))!.execution;
    await ferry.deps.store.storage.delete(storageKeyOf(stored.inputsUri!));
    ferry.deps.store.forget(stored.inputsUri!);
    const purged = await json(await post(`/executions/${source.id}/replay`));
    expect(purged.status).toBe(410);
    expect(purged.body.message).toMatch(/cannot be replayed: its inputs .* was purged/);
    expect(await count()).toBe(before);
  });

  it("a replay of a purged execution, or from a task run whose kept outputs were purged, is a 4xx naming why and changes nothing (issue 17's bad input)", async () => {
    const count = async () => (await json(await api("/executions/search?namespace=actions.test&size=1"))).body.total;
    // the outputs a replay from `second` would carry over (those of `first`) were purged from internal storage
    const source = await run("dora");
    const stored = (await ferry.deps.repository.getExecution(source.id))!;
    const first = stored.taskRuns.find((r) => r.taskId === "first")!;
    await ferry.deps.store.storage.delete(storageKeyOf(first.outputsUri!));
    ferry.deps.store.forget(first.outputsUri!);
    const before = await count();
    const second = runOf(source, "second");
    const gone = await json(await post(`/executions/${source.id}/replay?taskRunId=${second.id}`));
    expect(gone.status).toBe(410);
    expect(gone.body.message).toBe(`execution ${source.id} cannot be replayed: the outputs of task run ${first.id} were purged from internal storage`);
    expect(await count()).toBe(before);
    expect((await json(await api(`/executions/${source.id}`))).body.labels).not.toContainEqual({ key: "system.replayed", value: "true" });
    // the execution itself purged (Kestra's DELETE /api/v1/executions/{id}): a replay names it not found
    const purged = await run("eve");
    expect((await api(`/executions/${purged.id}`, { method: "DELETE" })).status).toBe(204);
    const afterDelete = await count();
    const replay = await json(await post(`/executions/${purged.id}/replay`));
    expect(replay).toMatchObject({ status: 404, body: { message: `execution ${purged.id} not found` } });
    expect(await json(await post(`/executions/${purged.id}/replay?taskRunId=${runOf(purged, "second").id}`))).toMatchObject({ status: 404 });
    expect(await count()).toBe(afterDelete);
  });
});

describe("POST /api/v1/executions/{id}/labels and /labels/by-ids", () => {
  it("sets the labels of an ended execution: the list replaces its own labels, system ones stay", async () => {
    const source = await run("carol");
    const { status, body } = await json(await post(`/executions/${source.id}/labels`, [{ key: "env", value: "prod" }]));
    expect(status).toBe(200);
    expect(body.labels).toEqual([{ key: "env", value: "prod" }, { key: "system.from", value: "api" }, { key: "system.correlationId", value: source.id }]);
    const search = (await json(await api("/executions/search?labels=env:prod"))).body;
    expect(search.results.map((e: { id: string }) => e.id)).toContain(source.id);
  });

  it("refuses more than 100 labels by count, and keeps the execution's own (100,000 were stored)", async () => {
    const source = await run("flood");
    const many = Array.from({ length: 101 }, (_, i) => ({ key: `k${i}`, value: "v" }));
    const refused = await json(await post(`/executions/${source.id}/labels`, many));
    expect(refused).toEqual({ status: 422, body: expect.objectContaining({ message: "the body: at most 100 labels (101 given)" }) });
    expect((await json(await api(`/executions/${source.id}`))).body.labels).toContainEqual({ key: "team", value: "data" });
    expect((await json(await post(`/executions/${source.id}/labels`, many.slice(0, 100)))).status).toBe(200);
  });

  it("sets labels on a running execution too, visible to the API at once", async () => {
    const slow = `id: slow\nnamespace: actions.test\ntasks:\n  - { id: nap, type: core.Sleep, duration: PT2S }\n`;
    await api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: slow });
    const started = (await json(await post("/executions/actions.test/slow"))).body;
    const { body } = await json(await post(`/executions/${started.id}/labels`, [{ key: "stage", value: "live" }]));
    expect(body.labels).toContainEqual({ key: "stage", value: "live" });
    const done = await waitEnd(started.id);
    expect(done.state.current).toBe("SUCCESS");
    expect(done.labels).toContainEqual({ key: "stage", value: "live" });
  });

  it("adds labels to several executions at once; an unknown id refuses the whole request", async () => {
    const [a, b] = [await run("dan"), await run("eve")];
    expect(await json(await post("/executions/labels/by-ids", { executionsId: [a.id, b.id], executionLabels: [{ key: "batch", value: "7" }] }))).toEqual({ status: 200, body: { count: 2 } });
    for (const id of [a.id, b.id]) expect((await json(await api(`/executions/${id}`))).body.labels).toEqual(expect.arrayContaining([{ key: "team", value: "data" }, { key: "batch", value: "7" }]));
    const refused = await json(await post("/executions/labels/by-ids", { executionsId: [a.id, "ghost"], executionLabels: [{ key: "batch", value: "8" }] }));
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ path: "executionsId", message: "execution not found: ghost" }]);
    expect((await json(await api(`/executions/${a.id}`))).body.labels).toContainEqual({ key: "batch", value: "7" });
    // a body that is no object (the API fuzzer's `null` was a 500) is a 400 naming the shape, as the other bodies' routes answer
    for (const body of [null, [a.id], "x", 3]) {
      const bad = await json(await post("/executions/labels/by-ids", body));
      expect(bad.status).toBe(400);
      expect(bad.body.message).toMatch(/the body must be a JSON object/);
    }
  });

  // Kestra's ExecutionControllerTest.setLabelsByQuery: the executions the filters choose, a null label 422
  it("adds labels to the executions a query chooses, as /search reads its filters; bad labels or filters change nothing", async () => {
    const [a, b] = [await run("gil"), await run("hal")];
    const other = await run("nobody"); // FAILED: left out by state=SUCCESS
    const labelled = await json(await post(`/executions/labels/by-query?namespace=actions.test&flowId=chain&state=SUCCESS&labels=team:data`, [{ key: "wave", value: "1" }]));
    expect(labelled.status).toBe(200);
    const found = (await json(await api("/executions/search?namespace=actions.test&flowId=chain&state=SUCCESS&labels=team:data&size=1000"))).body.total;
    expect(labelled.body).toEqual({ count: found });
    for (const id of [a.id, b.id]) expect((await json(await api(`/executions/${id}`))).body.labels).toEqual(expect.arrayContaining([{ key: "team", value: "data" }, { key: "wave", value: "1" }]));
    expect((await json(await api(`/executions/${other.id}`))).body.labels).not.toContainEqual({ key: "wave", value: "1" });
    const cases: Array<[string, unknown, number, RegExp]> = [
      ["?namespace=actions.test", [{ key: null, value: null }], 422, /the body\[0\] must be/],
      ["?namespace=actions.test", [{ key: "system.x", value: "1" }], 422, /System labels can only be set by Kestra itself/],
      ["?namespace=actions.test&sort=id", [{ key: "wave", value: "2" }], 400, /sort/],
      ["?state=DONE", [{ key: "wave", value: "2" }], 400, /unknown state 'DONE'/],
    ];
    for (const [query, body, status, message] of cases) {
      const answer = await json(await post(`/executions/labels/by-query${query}`, body));
      expect([query, answer.status]).toEqual([query, status]);
      expect(answer.body.message).toMatch(message);
    }
    expect((await json(await api(`/executions/${a.id}`))).body.labels).not.toContainEqual({ key: "wave", value: "2" });
  });

  it("refuses bad labels with a clear 4xx and changes nothing", async () => {
    const source = await run("fay");
    const cases: Array<[unknown, number, RegExp]> = [
      [{ env: "prod" }, 422, /must be a list of labels/],
      [[{ key: "env" }], 422, /\[0\] must be \{"key": text, "value": text\}/],
      [[{ key: "n", value: 3 }], 422, /\[0\] must be/],
      [[{ key: "", value: "x" }], 422, /\[0\] must be/],
      // Kestra answers 422 (ExecutionControllerTest.shouldNotAllowAddingSystemLabels, shouldRefuseSystemLabelsWhenUpdatingLabels)
      [[{ key: "system.correlationId", value: "forged" }], 422, /System labels can only be set by Kestra itself/],
      [[{ key: "system.label", value: "value" }], 422, /System labels can only be set by Kestra itself, offending label: system.label=value/],
    ];
    for (const [body, status, message] of cases) {
      const answer = await json(await post(`/executions/${source.id}/labels`, body));
      expect(answer.status).toBe(status);
      expect(answer.body.message).toMatch(message);
    }
    expect((await json(await api(`/executions/${source.id}/labels`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }))).status).toBe(400);
    expect((await json(await post(`/executions/${source.id}/labels`))).status).toBe(400);
    expect((await json(await post("/executions/ghost/labels", [{ key: "a", value: "b" }]))).status).toBe(404);
    expect((await json(await api(`/executions/${source.id}`))).body.labels).toEqual([{ key: "team", value: "data" }, { key: "system.from", value: "api" }, { key: "system.correlationId", value: source.id }]);
  });
});

describe("POST /api/v1/executions/{id}/state", () => {
  it("a failed task run marked SUCCESS: the execution answers carrying on, then ends SUCCESS (Kestra's updateTaskRunState, ChangeStateTestCase)", async () => {
    const failed = await run("nobody");
    expect(failed.state.current).toBe("FAILED");
    const gate = runOf(failed, "gate");
    const { status, body } = await json(await post(`/executions/${failed.id}/state`, { taskRunId: gate.id, state: "SUCCESS" }));
    expect(status).toBe(200);
    expect(body.id).toBe(failed.id);
    expect(runOf(body, "gate").state.current).toBe("SUCCESS");
    expect(body.labels).toContainEqual({ key: "system.restarted", value: "true" });
    // Kestra's markAs answers RESTARTED: its history plus RESTARTED; the executor's handleRestart then runs it
    expect(body.state.current).toBe("RESTARTED");
    expect(body.state.histories.map((h: any) => h.state)).toEqual([...failed.state.histories.map((h: any) => h.state), "RESTARTED"]);
    const done = await waitEnd(failed.id);
    expect(done.state.current).toBe("SUCCESS");
    expect(done.taskRunList).toHaveLength(3);
    expect(runOf(done, "gate").attempts.map((a: any) => a.state.current)).toEqual(["SUCCESS"]);
  });

  it("refuses with a reason, changing nothing: unknown execution or task run 404, a bad state or body 422, no body 400", async () => {
    const failed = await run("nobody");
    const gate = runOf(failed, "gate");
    const cases: Array<[string, unknown, number, RegExp]> = [
      ["/executions/nope/state", { taskRunId: gate.id, state: "SUCCESS" }, 404, /execution nope not found/],
      [`/executions/${failed.id}/state`, { taskRunId: "nope", state: "SUCCESS" }, 404, /task run nope not found/],
      [`/executions/${failed.id}/state`, { taskRunId: gate.id, state: "RUNNING" }, 422, /state must be one of SUCCESS, WARNING, FAILED/],
      [`/executions/${failed.id}/state`, { taskRunId: gate.id }, 422, /state must be one of/],
      [`/executions/${failed.id}/state`, { state: "SUCCESS" }, 422, /taskRunId is missing/],
      [`/executions/${failed.id}/state`, { taskRunId: gate.id, state: "SUCCESS", extra: 1 }, 422, /unknown property 'extra'/],
      [`/executions/${failed.id}/state`, undefined, 400, /a JSON body is needed/],
    ];
    for (const [path, body, status, message] of cases) {
      const answer = await json(await post(path, body));
      expect([path, answer.status]).toEqual([path, status]);
      expect(answer.body.message).toMatch(message);
    }
    const after = (await json(await api(`/executions/${failed.id}`))).body;
    expect(after.state.current).toBe("FAILED");
    expect(runOf(after, "gate").state.current).toBe("FAILED");
  });
});
