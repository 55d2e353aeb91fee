import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

/* POST /api/v1/executions/{id}/restart on a PAUSED execution, as Kestra's ExecutionController.restart
   calls ExecutionService.restart: State.isRestartable is `isFailed() || isPaused()` */

let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry();
  await t.deploy("id: held\nnamespace: restart.paused\ntasks:\n  - { id: wait, type: io.kestra.plugin.core.flow.Pause }\n  - { id: after, type: core.Log, message: after }\n");
  await t.deploy("id: looping\nnamespace: restart.paused\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.WaitFor\n    condition: \"false\"\n    checkFrequency: { interval: P1D }\n    tasks:\n      - { id: step, type: core.Log, message: step }\n");
});
afterAll(async () => t?.close());

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
const post = (path: string) => t.api(path, { method: "POST" });
const histories = (e: any) => e.state.histories.map((h: { state: string }) => h.state);
const startPaused = async (flowId: string) => {
  const id = (await json(await post(`/executions/restart.paused/${flowId}`))).body.id as string;
  for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    const { body } = await json(await t.api(`/executions/${id}`));
    if (body.state.current === "PAUSED") return body;
  }
  throw new Error(`execution ${id} never PAUSED`);
};

describe("restart of a PAUSED execution", () => {
  it("answers RESTARTED (PAUSED then RESTARTED in its history, the Pause RUNNING), then runs on to SUCCESS", async () => {
    const paused = await startPaused("held");
    const { status, body } = await json(await post(`/executions/${paused.id}/restart`));
    expect(status).toBe(200);
    expect(body.id).toBe(paused.id);
    expect(body.state.current).toBe("RESTARTED");
    expect(histories(body)).toEqual(["CREATED", "RUNNING", "PAUSED", "RESTARTED"]);
    expect(body.taskRunList.map((r: any) => [r.taskId, r.state.current])).toEqual([["wait", "RUNNING"]]);
    expect(body.labels).toContainEqual({ key: "system.restarted", value: "true" });
    const done = await t.waitForEnd(paused.id);
    expect(done.state.current).toBe("SUCCESS");
    expect(done.taskRunList.map((r: any) => [r.taskId, r.state.current])).toEqual([["wait", "SUCCESS"], ["after", "SUCCESS"]]);
    // ended: a second restart is refused, naming the state
    const again = await json(await post(`/executions/${paused.id}/restart`));
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/is SUCCESS; only FAILED, KILLED or PAUSED executions restart/);
  });

  it("with a revision: a new execution (parent the source) restarted from the pause; the source stays PAUSED", async () => {
    const paused = await startPaused("held");
    await t.deploy("id: held\nnamespace: restart.paused\ntasks:\n  - { id: wait, type: io.kestra.plugin.core.flow.Pause }\n  - { id: after, type: core.Log, message: after on revision 2 }\n");
    const { status, body } = await json(await post(`/executions/${paused.id}/restart?revision=2`));
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.id).not.toBe(paused.id);
    expect(body.parentId).toBe(paused.id);
    expect(body.state.current).toBe("RESTARTED");
    expect((await t.waitForEnd(body.id)).state.current).toBe("SUCCESS");
    expect((await json(await t.api(`/executions/${paused.id}`))).body.state.current).toBe("PAUSED");
    expect((await t.api(`/executions/${paused.id}/kill`, { method: "DELETE" })).status).toBeLessThan(300);
  });

  it("a loop waiting its interval (PAUSED, no Pause) is refused with 409 naming it, and nothing changes", async () => {
    const paused = await startPaused("looping");
    const { status, body } = await json(await post(`/executions/${paused.id}/restart`));
    expect(status).toBe(409);
    expect(body.message).toMatch(/PAUSED on loop .*a loop waiting its interval/);
    const now = (await json(await t.api(`/executions/${paused.id}`))).body;
    expect(histories(now)).toEqual(histories(paused));
    expect(now.labels).not.toContainEqual({ key: "system.restarted", value: "true" });
    expect((await t.api(`/executions/${paused.id}/kill`, { method: "DELETE" })).status).toBeLessThan(300);
  });

  it("bulk restart by ids takes a PAUSED execution too; an unknown id is still named", async () => {
    const paused = await startPaused("held");
    const call = (ids: string[]) => t.api("/executions/restart/by-ids", { method: "POST", body: JSON.stringify(ids), headers: { "content-type": "application/json" } });
    const refused = await json(await call([paused.id, "no-such-id"]));
    expect(refused.status).toBe(422);
    expect(refused.body.invalids.map((i: { key: string }) => i.key)).toEqual(["no-such-id"]);
    expect(await json(await call([paused.id]))).toEqual({ status: 200, body: { count: 1 } });
    expect((await t.waitForEnd(paused.id)).state.current).toBe("SUCCESS");
  });
});
