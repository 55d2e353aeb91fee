import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
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
  dir = await mkdtemp(join(tmpdir(), "ferry-resume-"));
  ferry = await startFerry({ config: configSchema.parse({ server: { port: 0 } }), baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
  const flow = `id: approval
namespace: resume.test
tasks:
  - id: wait
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - { id: approved, type: BOOLEAN }
      - { id: reason, type: STRING, defaults: no reason }
      - { id: copies, type: INT, defaults: 1 }
  - { id: after, type: core.Return, format: "approved={{ outputs.wait.onResume.approved }} because {{ outputs.wait.onResume.reason }}" }
`;
  const plain = "id: plain\nnamespace: resume.test\ntasks:\n  - { id: wait, type: core.Pause }\n  - { id: after, type: core.Log, message: after }\n";
  // a LoopUntil waiting its interval is PAUSED too, as in Kestra, but it is no Pause (issue 17)
  const looping = "id: looping\nnamespace: resume.test\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.WaitFor\n    condition: \"false\"\n    checkFrequency: { interval: P1D }\n    tasks:\n      - { id: step, type: core.Log, message: step }\n";
  for (const source of [flow, plain, looping]) expect((await api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: source })).status).toBe(200);
});
afterAll(async () => {
  await ferry.close();
  await rm(dir, { recursive: true, force: true });
});

/** waits (generously) for the execution to reach one of the states */
const waitState = async (id: string, states: string[]) => {
  for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    const { body } = await json(await api(`/executions/${id}`));
    if (states.includes(body.state.current)) return body;
  }
  throw new Error(`execution ${id} never reached ${states.join(" or ")}`);
};
const startPaused = async (flowId: string) => waitState((await json(await post(`/executions/resume.test/${flowId}`))).body.id, ["PAUSED"]);
const runOf = (execution: any, taskId: string) => execution.taskRunList.find((r: any) => r.taskId === taskId);

describe("POST /api/v1/executions/{id}/resume", () => {
  it("answers 409 for a loop waiting its interval (no Pause to resume), naming it, and changes nothing", async () => {
    const paused = await startPaused("looping");
    expect(runOf(paused, "loop").state.current).toBe("PAUSED");
    const { status, body } = await json(await post(`/executions/${paused.id}/resume`, {}));
    expect(status).toBe(409);
    expect(body.message).toMatch(/\(loop\).*is a loop waiting its interval, not a Pause/);
    expect((await json(await api(`/executions/${paused.id}`))).body.state.current).toBe("PAUSED");
    expect((await api(`/executions/${paused.id}/kill`, { method: "DELETE" })).status).toBeLessThan(300);
  });

  it("resumes a PAUSED execution with multipart onResume inputs; the Pause's outputs are the typed values", async () => {
    const paused = await startPaused("approval");
    expect(runOf(paused, "wait").state.current).toBe("PAUSED");
    const form = new FormData();
    form.set("approved", "true");
    form.set("reason", "looks good");
    const { status, body } = await json(await api(`/executions/${paused.id}/resume`, { method: "POST", body: form }));
    expect(status).toBe(200);
    expect(body.state.current).not.toBe("PAUSED");
    const done = await waitState(paused.id, ["SUCCESS", "FAILED"]);
    expect(done.state.current).toBe("SUCCESS");
    expect(runOf(done, "wait").outputs).toEqual({ onResume: { approved: true, reason: "looks good", copies: 1 } });
    expect(runOf(done, "after").outputs.value).toBe("approved=true because looks good");
  });

  it("answers 422 naming a wrong-typed, missing or unknown input and changes nothing; a JSON body resumes", async () => {
    const paused = await startPaused("approval");
    for (const [inputs, named] of [[{ approved: true, copies: "many" }, "copies"], [{}, "approved"], [{ approved: true, colour: "red" }, "colour"]] as const) {
      const { status, body } = await json(await post(`/executions/${paused.id}/resume`, inputs));
      expect(status).toBe(422);
      expect(body.message).toContain(named);
    }
    expect((await json(await api(`/executions/${paused.id}`))).body.state.current).toBe("PAUSED");
    // a BOOLEAN reads as Kestra's Boolean.valueOf does: any text but "true" is false, never refused
    expect((await post(`/executions/${paused.id}/resume`, { approved: "perhaps" })).status).toBe(200);
    expect(runOf(await waitState(paused.id, ["SUCCESS"]), "after").outputs.value).toBe("approved=false because no reason");
  });

  it("a second resume is 409 naming the state and changes nothing; so is a resume of an ended execution", async () => {
    const paused = await startPaused("plain");
    expect((await post(`/executions/${paused.id}/resume`)).status).toBe(200);
    const again = await json(await post(`/executions/${paused.id}/resume`));
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/is (RUNNING|SUCCESS); only a PAUSED execution is resumed/);
    const done = await waitState(paused.id, ["SUCCESS"]);
    const late = await json(await post(`/executions/${paused.id}/resume`));
    expect(late).toMatchObject({ status: 409, body: { message: expect.stringContaining("SUCCESS") } });
    expect((await json(await api(`/executions/${paused.id}`))).body.state.histories).toEqual(done.state.histories);
    expect((await post(`/executions/not-an-execution/resume`)).status).toBe(404);
  });

  it("a kill of a PAUSED execution ends it KILLED", async () => {
    const paused = await startPaused("plain");
    expect((await api(`/executions/${paused.id}/kill`, { method: "DELETE" })).status).toBe(202);
    const killed = await waitState(paused.id, ["KILLED", "SUCCESS", "FAILED"]);
    expect(killed.state.current).toBe("KILLED");
    expect(runOf(killed, "after")).toBeUndefined();
  });
});

describe("POST /api/v1/executions/resume/by-ids", () => {
  it("resumes every PAUSED execution named, or none when one cannot be (not PAUSED, an input needed, unknown)", async () => {
    const a = await startPaused("plain");
    const b = await startPaused("plain");
    const needsInput = await startPaused("approval");
    const refused = await json(await post("/executions/resume/by-ids", [a.id, needsInput.id, "missing"]));
    expect(refused.status).toBe(422);
    expect(refused.body.invalids.map((i: any) => i.key)).toEqual([needsInput.id, "missing"]);
    expect((await json(await api(`/executions/${a.id}`))).body.state.current).toBe("PAUSED");
    expect((await json(await post("/executions/resume/by-ids", [a.id, b.id]))).body).toEqual({ count: 2 });
    for (const id of [a.id, b.id]) expect((await waitState(id, ["SUCCESS"])).state.current).toBe("SUCCESS");
    expect((await post("/executions/resume/by-ids", { not: "a list" })).status).toBe(400);
  });
});
