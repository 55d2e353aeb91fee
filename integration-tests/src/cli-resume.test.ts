import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const FLOW = `id: approval
namespace: cli.resume
tasks:
  - id: wait
    type: core.Pause
    onResume:
      - { id: approved, type: BOOLEAN }
      - { id: reason, type: STRING, defaults: none given }
      - { id: copies, type: INT, defaults: 1 }
  - { id: after, type: core.Return, format: "approved={{ outputs.wait.onResume.approved }} ({{ outputs.wait.onResume.reason }})" }
`;

const REVIEWED = `id: reviewed
namespace: cli.resume
tasks:
  - id: review
    type: core.Approval
    # long enough that the CLI's refused restart (a process started on a loaded box) lands while it runs
    onWait: [{ id: slow, type: core.Sleep, duration: PT8S }]
    onApprove: [{ id: approved, type: core.Log, message: approved }]
  - { id: after, type: core.Return, format: "{{ outputs.review.decision ?? 'no decision' }}" }
`;

type Execution = { id: string; state: { current: string }; taskRunList: Array<{ taskId: string; state: { current: string }; outputs?: Record<string, unknown> }> };

describe("ferry executions resume", () => {
  let ferry: FerryProcess;
  let s: string[];
  const get = async (id: string) => (await (await fetch(`${ferry.url}/api/v1/executions/${id}`)).json()) as Execution;
  /** starts the flow and waits (generously) until it is PAUSED */
  const startPaused = async (flowId = "approval", state = "PAUSED") => {
    const { id } = (await (await fetch(`${ferry.url}/api/v1/executions/cli.resume/${flowId}`, { method: "POST" })).json()) as Execution;
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if ((await get(id)).state.current === state) return id;
    throw new Error(`execution ${id} never ${state}`);
  };
  beforeAll(async () => {
    ferry = await startFerryProcess();
    s = ["--server", ferry.url];
    expect((await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", headers: { "content-type": "application/x-yaml" }, body: FLOW })).status).toBe(200);
    expect((await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", headers: { "content-type": "application/x-yaml" }, body: REVIEWED })).status).toBe(200);
  });
  afterAll(async () => ferry?.stop());

  it("resumes a PAUSED execution with --input values and follows it to its end (--wait), or answers it (--json)", async () => {
    const first = await startPaused();
    const followed = await runCli(["executions", "resume", first, "--input", "approved=true", "--input", "reason=ship it", "--wait", ...s]);
    expect(followed.code).toBe(0);
    expect(JSON.parse(followed.stdout.trim().split("\n").at(-1)!)).toMatchObject({ event: "end", id: first, state: "SUCCESS" });
    expect((await get(first)).taskRunList.find((r) => r.taskId === "after")?.outputs).toEqual({ value: "approved=true (ship it)" });

    const second = await startPaused();
    const answered = await runCli(["executions", "resume", second, "-i", "approved=false", "--json", ...s]);
    expect(answered.code).toBe(0);
    expect((JSON.parse(answered.stdout) as Execution).id).toBe(second);
  }, 180_000);

  it("bad input is one line: a wrong-typed input (422), an execution not PAUSED (409), a pair without '=' (2)", async () => {
    const id = await startPaused();
    // (a BOOLEAN takes any text, as Kestra's Boolean.valueOf does: "perhaps" is false)
    const wrong = await runCli(["executions", "resume", id, "--input", "approved=true", "--input", "copies=many", ...s]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^ferry: POST \/api\/v1\/executions\/.+\/resume: HTTP 422: .*copies.*\n$/);
    expect((await get(id)).state.current).toBe("PAUSED");
    expect(await runCli(["executions", "resume", id, "--input", "approved", ...s])).toMatchObject({ code: 2, stderr: "ferry: --input 'approved' is not key=value\n" });
    expect((await runCli(["executions", "resume", id, "-i", "approved=true", ...s])).stdout).toMatch(new RegExp(`^execution ${id}: resumed \\((RUNNING|SUCCESS)\\)\\n$`));
    const again = await runCli(["executions", "resume", id, "-i", "approved=true", ...s]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/HTTP 409: execution .+ is (RUNNING|SUCCESS); only a PAUSED execution is resumed\n$/);
  }, 120_000);

  it("executions restart takes a PAUSED execution (Kestra's State.isRestartable): the Pause goes on without onResume outputs, so `after`, which reads them, fails", async () => {
    const id = await startPaused();
    const restarted = await runCli(["executions", "restart", id, "--wait", ...s]);
    expect(restarted.code).toBe(1);
    expect(JSON.parse(restarted.stdout.trim().split("\n").at(-1)!)).toMatchObject({ event: "end", id, state: "FAILED" });
    expect((await get(id)).taskRunList.map((r) => [r.taskId, r.state.current])).toEqual([["wait", "SUCCESS"], ["after", "FAILED"]]);
    const again = await runCli(["executions", "restart", id, ...s]);
    expect(again.stdout).toMatch(new RegExp(`^execution ${id}: restarted \\((RESTARTED|RUNNING|FAILED)\\)\\n$`));
  }, 120_000);

  it("executions restart: PAUSING (the Approval's onWait running) refused with the 409 on one line, nothing changed; once PAUSED it restarts, the Approval ending without a decision", async () => {
    const id = await startPaused("reviewed", "PAUSING");
    const refused = await runCli(["executions", "restart", id, ...s]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^ferry: POST \/api\/v1\/executions\/.+\/restart: HTTP 409: execution .+ is PAUSING; only FAILED, KILLED or PAUSED executions restart\n$/);
    for (const end = Date.now() + 30_000; (await get(id)).state.current !== "PAUSED"; await new Promise((r) => setTimeout(r, 50))) if (Date.now() > end) throw new Error(`execution ${id} never PAUSED`);
    const restarted = await runCli(["executions", "restart", id, "--wait", ...s]);
    expect(restarted.code).toBe(0);
    expect(JSON.parse(restarted.stdout.trim().split("\n").at(-1)!)).toMatchObject({ event: "end", id, state: "SUCCESS" });
    const end = await get(id);
    expect(end.taskRunList.map((r) => [r.taskId, r.state.current])).toEqual([["review", "SUCCESS"], ["slow", "SUCCESS"], ["after", "SUCCESS"]]);
    expect(end.taskRunList.find((r) => r.taskId === "after")?.outputs).toEqual({ value: "no decision" });
  }, 120_000);
});
