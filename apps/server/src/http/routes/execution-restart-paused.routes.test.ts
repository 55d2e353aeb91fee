import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestFerry, type TestFerry } from "../../server.test-support.js";

/* POST /api/v1/executions/{id}/restart on a PAUSED execution, as Kestra's ExecutionController.restart
   calls ExecutionService.restart: State.isRestartable is `isFailed() || isPaused()` */

let t: TestFerry;
beforeAll(async () => {
  t = await startTestFerry();
  await t.deploy("id: held\nnamespace: restart.paused\ntasks:\n  - { id: wait, type: io.kestra.plugin.core.flow.Pause }\n  - { id: after, type: core.Log, message: after }\n");
  await t.deploy("id: looping\nnamespace: restart.paused\ntasks:\n  - id: loop\n    type: io.kestra.plugin.core.flow.WaitFor\n    condition: \"false\"\n    checkFrequency: { interval: P1D, maxIterations: 2 }\n    tasks:\n      - { id: step, type: core.Log, message: step }\n  - { id: after, type: core.Log, message: after }\n");
  await t.deploy("id: reviewed\nnamespace: restart.paused\ntasks:\n  - id: approval\n    type: io.kestra.plugin.core.flow.Approval\n    onApprove: [{ id: approved, type: core.Log, message: approved }]\n    finally: [{ id: cleanup, type: core.Log, message: cleanup }]\n  - { id: after, type: core.Log, message: after }\n");
  await t.deploy("id: pausing\nnamespace: restart.paused\ntasks:\n  - id: approval\n    type: io.kestra.plugin.core.flow.Approval\n    onWait: [{ id: slow, type: io.kestra.plugin.core.flow.Sleep, duration: PT1H }]\n");
});
afterAll(async () => t?.close());

const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });
const post = (path: string) => t.api(path, { method: "POST" });
const histories = (e: any) => e.state.histories.map((h: { state: string }) => h.state);
const startPaused = async (flowId: string, state = "PAUSED") => {
  const id = (await json(await post(`/executions/restart.paused/${flowId}`))).body.id as string;
  for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    const { body } = await json(await t.api(`/executions/${id}`));
    if (body.state.current === state) return body;
  }
  throw new Error(`execution ${id} never ${state}`);
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

  it("a loop waiting its interval restarts (ExecutorService's LoopUntil step): its maximums and condition checked again now, the restart counting the iteration Kestra counts at the pause", async () => {
    const paused = await startPaused("looping");
    const { status, body } = await json(await post(`/executions/${paused.id}/restart`));
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.state.current).toBe("RESTARTED");
    expect(body.taskRunList.find((r: any) => r.taskId === "loop").state.current).toBe("RUNNING");
    // maxIterations 2: reached by the restart's count, the loop ends (SUCCESS without failOnMaxReached) and the flow goes on
    const done = await t.waitForEnd(paused.id);
    expect(done.state.current).toBe("SUCCESS");
    expect(done.taskRunList.map((r: any) => [r.taskId, r.state.current])).toEqual([["loop", "SUCCESS"], ["step", "SUCCESS"], ["after", "SUCCESS"]]);
    expect(histories(done)).toEqual(["CREATED", "RUNNING", "PAUSED", "RESTARTED", "RUNNING", "SUCCESS"]);
  });

  it("an Approval restarts without a review (Approval.isWaiting false once PAUSED): no decision, onApprove not run, finally run, what follows runs", async () => {
    const paused = await startPaused("reviewed");
    const { status, body } = await json(await post(`/executions/${paused.id}/restart`));
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.state.current).toBe("RESTARTED");
    expect(body.taskRunList.map((r: any) => [r.taskId, r.state.current])).toEqual([["approval", "RUNNING"]]);
    const done = await t.waitForEnd(paused.id);
    expect(done.state.current).toBe("SUCCESS");
    expect(done.taskRunList.map((r: any) => [r.taskId, r.state.current])).toEqual([["approval", "SUCCESS"], ["cleanup", "SUCCESS"], ["after", "SUCCESS"]]);
    expect(done.taskRunList[0].outputs?.decision).toBeUndefined();
    // reviewed afterwards: not paused any more (409), nothing changed
    const review = await json(await t.api(`/executions/${paused.id}/actions/review`, { method: "POST", body: JSON.stringify({ taskRunId: done.taskRunList[0].id, decision: "APPROVED" }), headers: { "content-type": "application/json" } }));
    expect(review.status).toBe(409);
  });

  it("an Approval restarted on a revision: the new execution ends without a decision, the source stays PAUSED and can still be reviewed", async () => {
    await t.deploy("id: reviewed2\nnamespace: restart.paused\ntasks:\n  - id: approval\n    type: io.kestra.plugin.core.flow.Approval\n    timeout: PT1H\n    onApprove: [{ id: approved, type: core.Log, message: approved }]\n");
    const paused = await startPaused("reviewed2");
    await t.deploy("id: reviewed2\nnamespace: restart.paused\ntasks:\n  - id: approval\n    type: io.kestra.plugin.core.flow.Approval\n    timeout: PT1H\n    onApprove: [{ id: approved, type: core.Log, message: approved }]\n  - { id: after, type: core.Log, message: on revision 2 }\n");
    const { status, body } = await json(await post(`/executions/${paused.id}/restart?revision=2`));
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.parentId).toBe(paused.id);
    const copy = await t.waitForEnd(body.id);
    expect(copy.state.current).toBe("SUCCESS");
    expect(copy.taskRunList.map((r: any) => [r.taskId, r.state.current])).toEqual([["approval", "SUCCESS"], ["after", "SUCCESS"]]);
    const source = (await json(await t.api(`/executions/${paused.id}`))).body;
    expect(source.state.current).toBe("PAUSED");
    const review = await json(await t.api(`/executions/${paused.id}/actions/review`, { method: "POST", body: JSON.stringify({ taskRunId: source.taskRunList[0].id, decision: "APPROVED" }), headers: { "content-type": "application/json" } }));
    expect(review.status, JSON.stringify(review.body)).toBe(200);
    const reviewed = await t.waitForEnd(paused.id);
    expect(reviewed.taskRunList.map((r: any) => [r.taskId, r.state.current])).toEqual([["approval", "SUCCESS"], ["approved", "SUCCESS"]]);
  });

  it("a PAUSING execution (an Approval's onWait still running) is not paused (Kestra's isPaused: PAUSED only): restart and resume refused 409 naming PAUSING, by ids 422 naming it; a kill takes it (not ended)", async () => {
    const pausing = await startPaused("pausing", "PAUSING");
    const restart = await json(await post(`/executions/${pausing.id}/restart`));
    expect(restart.status).toBe(409);
    expect(restart.body.message).toMatch(/is PAUSING; only FAILED, KILLED or PAUSED executions restart/);
    const resume = await json(await post(`/executions/${pausing.id}/resume`));
    expect(resume.status).toBe(409);
    expect(resume.body.message).toMatch(/PAUSING/);
    const byIds = (what: string) => t.api(`/executions/${what}/by-ids`, { method: "POST", body: JSON.stringify([pausing.id]), headers: { "content-type": "application/json" } });
    for (const what of ["restart", "resume"]) {
      const refused = await json(await byIds(what));
      expect(refused.status, what).toBe(422);
      expect(refused.body.invalids[0].message, what).toMatch(/PAUSING/);
    }
    const deleted = await json(await t.api(`/executions/${pausing.id}`, { method: "DELETE" }));
    expect(deleted.status).toBe(409);
    expect(deleted.body.message).toMatch(/is PAUSING: only an ended execution can be deleted/);
    const listed = await json(await t.api(`/executions/search?state=PAUSING&namespace=restart.paused&flowId=pausing`));
    expect(listed.body.results.map((e: any) => e.id)).toContain(pausing.id);
    const now = (await json(await t.api(`/executions/${pausing.id}`))).body;
    expect(histories(now)).toEqual(histories(pausing));
    const killed = await t.api("/executions/kill/by-ids", { method: "DELETE", body: JSON.stringify([pausing.id]), headers: { "content-type": "application/json" } });
    expect(await json(killed)).toEqual({ status: 200, body: { count: 1 } });
    const end = await t.waitForEnd(pausing.id);
    expect(end.state.current).toBe("KILLED");
    expect(end.taskRunList.every((r: any) => r.state.current === "KILLED")).toBe(true);
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
