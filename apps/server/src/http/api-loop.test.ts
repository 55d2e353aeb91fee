import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerry, type FerryServer } from "../ferry.js";

let ferry: FerryServer;
let dir: string;
const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
const deploy = async (source: string) => expect((await api("/flows", { method: "POST", body: source, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
  for (const end = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 50))) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
  }
};
const TERMINAL = new Set(["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED"]);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-api-loop-"));
  ferry = await startFerry({ config: configSchema.parse({ server: { port: 0 } }), baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
});
afterAll(async () => {
  await ferry.close();
  await rm(dir, { recursive: true, force: true });
});

/* Kestra's loop sub-executions through the API: kind LOOP, loopRun, hidden from the search unless asked (its executions search shows NORMAL ones) */
describe("a Loop's iterations through the API", () => {
  it("GET answers an iteration with its kind, loopRun and parent; the search shows iterations only with kind=LOOP", async () => {
    await deploy(`id: looped\nnamespace: api.loop\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.Loop\n    values: [a, b]\n    tasks:\n      - { id: say, type: io.kestra.plugin.core.log.Log, message: "say {{ item.value }}" }\n`);
    const { id } = (await json(await api("/executions/api.loop/looped", { method: "POST" }))).body;
    const root = await until(async () => (await json(await api(`/executions/${id}`))).body, (e) => TERMINAL.has(e.state.current));
    expect(root.state.current).toBe("SUCCESS");
    expect(root.kind).toBeUndefined();
    expect(root.taskRunList.map((t: { taskId: string }) => t.taskId)).toEqual(["loop"]);
    const normal = (await json(await api("/executions/search?namespace=api.loop"))).body;
    expect(normal.results.map((e: { id: string }) => e.id)).toEqual([id]);
    const loops = (await json(await api("/executions/search?namespace=api.loop&kind=LOOP"))).body;
    expect(loops.total).toBe(2);
    const iteration = (await json(await api(`/executions/${loops.results[0].id}`))).body;
    expect(iteration).toMatchObject({ kind: "LOOP", parentId: id, state: { current: "SUCCESS" }, loopRun: { taskId: "loop", taskRunId: root.taskRunList[0].id, parentId: id, parents: [] } });
    expect(iteration.taskRunList.map((t: { taskId: string }) => t.taskId)).toEqual(["say"]);
    // Kestra's metadata.taskRunStatistic on the root: the iterations' task runs its taskRunList does not hold (LoopCaseTest.loopSerialMultipleTasks); an iteration without Loops of its own has none
    expect(root.metadata.taskRunStatistic).toMatchObject({ count: 2 });
    expect(iteration.metadata.taskRunStatistic).toBeUndefined();
    expect((await json(await api(`/logs/${iteration.id}`))).body.map((l: { message: string }) => l.message)).toContain(`say ${iteration.loopRun.value}`);
    expect(await json(await api("/executions/search?kind=TEST"))).toMatchObject({ status: 400, body: { message: "unknown execution kind 'TEST' (one of NORMAL, LOOP)" } });
  });

  it("a Flow trigger watching the flow fires once for its execution, never for its Loop's iterations (Kestra's computeFlowTriggers: NORMAL executions only)", async () => {
    await deploy(`id: watched\nnamespace: api.loop\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.Loop\n    values: [1, 2, 3]\n    tasks:\n      - { id: say, type: core.Log, message: "{{ item.value }}" }\n`);
    await deploy(`id: watcher\nnamespace: api.loop\ntasks:\n  - { id: log, type: core.Log, message: "saw {{ trigger.executionId }}" }\ntriggers:\n  - id: on-end\n    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n      flows:\n        - { namespace: api.loop, flowId: watched, states: [SUCCESS] }\n`);
    const { id } = (await json(await api("/executions/api.loop/watched", { method: "POST" }))).body;
    await until(async () => (await json(await api(`/executions/${id}`))).body, (e) => TERMINAL.has(e.state.current));
    const watchers = await until(async () => (await json(await api("/executions/search?namespace=api.loop&flowId=watcher"))).body, (p) => p.total >= 1);
    // the iterations end SUCCESS too, before their root: none of them is an upstream execution
    await new Promise((r) => setTimeout(r, 500));
    const after = (await json(await api("/executions/search?namespace=api.loop&flowId=watcher"))).body;
    expect(after.total).toBe(1);
    expect(watchers.results[0].trigger.variables.executionId).toBe(id);
  });

  it("resuming an execution a Loop paused resumes its paused iteration, as Kestra's ExecutionService.resume does", async () => {
    await deploy(`id: paused\nnamespace: api.loop\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.Loop\n    values: [x]\n    tasks:\n      - { id: wait, type: io.kestra.plugin.core.flow.Pause }\n      - { id: go, type: io.kestra.plugin.core.log.Log, message: "went on" }\n`);
    const { id } = (await json(await api("/executions/api.loop/paused", { method: "POST" }))).body;
    const paused = await until(async () => (await json(await api(`/executions/${id}`))).body, (e) => e.state.current === "PAUSED");
    expect(paused.taskRunList.map((t: { taskId: string; state: { current: string } }) => [t.taskId, t.state.current])).toEqual([["loop", "PAUSED"]]);
    expect((await api(`/executions/${id}/resume`, { method: "POST" })).status).toBe(200);
    const ended = await until(async () => (await json(await api(`/executions/${id}`))).body, (e) => TERMINAL.has(e.state.current));
    expect(ended.state.current).toBe("SUCCESS");
  });
});
