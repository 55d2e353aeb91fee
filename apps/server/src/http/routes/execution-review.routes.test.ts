import { configSchema } from "@ferry/core";
import { composeLocalWorker } from "@ferry/engine";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFerry, type FerryServer } from "../../ferry.js";

/** Kestra's review of an Approval (Approval.java: "the `/executions/{id}/actions/review` API"), with bad input answered 4xx */
let ferry: FerryServer;
let dir: string;
const api = (path: string, init?: RequestInit) => fetch(`${ferry.url}/api/v1${path}`, init);
const post = (path: string, body?: unknown, headers: Record<string, string> = {}) =>
  api(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
const json = async (response: Response) => ({ status: response.status, body: (await response.json()) as any });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-review-"));
  ferry = await startFerry({ config: configSchema.parse({ server: { port: 0 } }), baseDir: dir, inProcess: composeLocalWorker, logger: pino({ level: "silent" }) });
  const flow = `id: review
namespace: review.test
tasks:
  - id: approval
    type: io.kestra.plugin.core.flow.Approval
    commentRequired: ON_DENY
    inputs:
      - { id: ticket, type: INT }
    onApprove:
      - { id: approved, type: core.Return, format: "ticket {{ outputs.approval.inputs.ticket }}: {{ outputs.approval.comment }}" }
`;
  const files = "id: files\nnamespace: review.test\ntasks:\n  - id: approval\n    type: core.Approval\n    inputs:\n      - { id: doc, type: FILE }\n";
  const pause = "id: paused\nnamespace: review.test\ntasks:\n  - { id: wait, type: core.Pause }\n";
  for (const source of [flow, files, pause]) expect((await api("/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: source })).status).toBe(200);
});
afterAll(async () => {
  await ferry.close();
  await rm(dir, { recursive: true, force: true });
});

const waitState = async (id: string, states: string[]) => {
  for (const end = Date.now() + 20_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
    const { body } = await json(await api(`/executions/${id}`));
    if (states.includes(body.state.current)) return body;
  }
  throw new Error(`execution ${id} never reached ${states.join(" or ")}`);
};
const startPaused = async (flowId: string) => waitState((await json(await post(`/executions/review.test/${flowId}`))).body.id, ["PAUSED"]);

describe("POST /api/v1/executions/{id}/actions/review", () => {
  it("answers 4xx JSON naming what is wrong, and changes nothing: unknown execution, bad body, bad decision, missing comment, wrong inputs, a Pause", async () => {
    expect(await json(await post("/executions/nope/actions/review", { decision: "APPROVED" }))).toMatchObject({ status: 404, body: { message: expect.stringContaining("nope") } });
    const paused = await startPaused("review");
    const at = `/executions/${paused.id}/actions/review`;
    expect(await json(await post(at, "[1]"))).toMatchObject({ status: 400, body: { message: expect.stringContaining("JSON object") } });
    expect(await json(await post(at, "{not json"))).toMatchObject({ status: 400 });
    expect(await json(await post(at, { decision: "LATER", inputs: { ticket: 1 } }))).toMatchObject({ status: 422, body: { message: expect.stringContaining("'LATER' is not one of APPROVED or DENIED") } });
    expect(await json(await post(at, { decision: "DENIED", inputs: { ticket: 1 } }))).toMatchObject({ status: 422, body: { message: expect.stringContaining("a comment is required to deny") } });
    expect(await json(await post(at, { decision: "APPROVED", inputs: { ticket: "many" } }))).toMatchObject({ status: 422, body: { message: expect.stringContaining("ticket") } });
    expect(await json(await post(at, { decision: "APPROVED", inputs: { ticket: 1, other: true } }))).toMatchObject({ status: 422, body: { message: expect.stringContaining("'other'") } });
    expect(await json(await post(at, { decision: "APPROVED", inputs: { ticket: 1 }, taskRunId: "nope" }))).toMatchObject({ status: 404 });
    // a resume is refused too: an Approval is reviewed
    expect(await json(await post(`/executions/${paused.id}/resume`, {}))).toMatchObject({ status: 409, body: { message: expect.stringContaining("review it") } });
    expect((await json(await api(`/executions/${paused.id}`))).body.state.current).toBe("PAUSED");

    const pause = await startPaused("paused");
    expect(await json(await post(`/executions/${pause.id}/actions/review`, { decision: "APPROVED" }))).toMatchObject({ status: 409, body: { message: expect.stringContaining("no Approval waiting") } });
    expect((await api(`/executions/${pause.id}/kill`, { method: "DELETE" })).status).toBeLessThan(300);

    // the review: the reviewer is the Basic user; the outputs hold the decision, the comment and the typed inputs
    const reviewed = await json(await post(at, { decision: "APPROVED", comment: "ship it", inputs: { ticket: "7" } }, { authorization: `Basic ${btoa("alice:secret")}` }));
    expect(reviewed.status).toBe(200);
    const done = await waitState(paused.id, ["SUCCESS", "FAILED", "CANCELLED"]);
    expect(done.state.current).toBe("SUCCESS");
    const approval = done.taskRunList.find((r: any) => r.taskId === "approval");
    expect(approval.outputs).toMatchObject({ decision: "APPROVED", auto: false, by: "alice", comment: "ship it", inputs: { ticket: 7 } });
    expect(done.taskRunList.find((r: any) => r.taskId === "approved").outputs.value).toBe("ticket 7: ship it");
    // reviewed twice, and an ended execution: 409
    expect(await json(await post(at, { decision: "DENIED", comment: "too late" }))).toMatchObject({ status: 409, body: { message: expect.stringContaining("SUCCESS") } });
  });

  it("refuses a FILE input pointing outside the execution's and its namespace's files (422)", async () => {
    const paused = await startPaused("files");
    const refused = await json(await post(`/executions/${paused.id}/actions/review`, { decision: "APPROVED", inputs: { doc: "ferry://namespaces/other.ns/_files/secret.txt" } }));
    expect(refused).toMatchObject({ status: 422, body: { message: expect.stringContaining("is not a file of this execution") } });
    expect((await json(await api(`/executions/${paused.id}`))).body.state.current).toBe("PAUSED");
    expect((await api(`/executions/${paused.id}/kill`, { method: "DELETE" })).status).toBeLessThan(300);
  });

  it("two reviewers at once, approving and denying: one review is taken, the other answers 409, and only the taken decision's branch runs", async () => {
    const paused = await startPaused("review");
    const at = `/executions/${paused.id}/actions/review`;
    // both requests are sent before either is answered
    const answers = await Promise.all([
      post(at, { decision: "APPROVED", comment: "yes", inputs: { ticket: 1 } }, { authorization: `Basic ${btoa("alice:a")}` }).then(json),
      post(at, { decision: "DENIED", comment: "no", inputs: { ticket: 2 } }, { authorization: `Basic ${btoa("bob:b")}` }).then(json),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const taken = answers[0].status === 200 ? { decision: "APPROVED", by: "alice", ticket: 1 } : { decision: "DENIED", by: "bob", ticket: 2 };
    const done = await waitState(paused.id, ["SUCCESS", "FAILED", "CANCELLED", "KILLED", "WARNING"]);
    const approval = done.taskRunList.find((r: any) => r.taskId === "approval");
    expect(approval.outputs).toMatchObject({ decision: taken.decision, by: taken.by, inputs: { ticket: taken.ticket } });
    // the approve branch ran exactly when the approval was taken, and once
    expect(done.taskRunList.filter((r: any) => r.taskId === "approved")).toHaveLength(taken.decision === "APPROVED" ? 1 : 0);
  });
});
