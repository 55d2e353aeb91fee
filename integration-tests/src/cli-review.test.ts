import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

/** `ferry executions review`: the review of a Kestra Approval (Approval.java's `/executions/{id}/actions/review`) from the CLI */
const FLOW = `id: release
namespace: cli.review
tasks:
  - id: approval
    type: core.Approval
    commentRequired: ON_DENY
    inputs:
      - { id: ticket, type: INT, defaults: 0 }
    onApprove:
      - { id: ship, type: core.Return, format: "ship ticket {{ outputs.approval.inputs.ticket }}" }
`;

type Execution = { id: string; state: { current: string }; taskRunList: Array<{ taskId: string; state: { current: string }; outputs?: Record<string, unknown> }> };

describe("ferry executions review", () => {
  let ferry: FerryProcess;
  let s: string[];
  const get = async (id: string) => (await (await fetch(`${ferry.url}/api/v1/executions/${id}`)).json()) as Execution;
  const startPaused = async () => {
    const { id } = (await (await fetch(`${ferry.url}/api/v1/executions/cli.review/release`, { method: "POST" })).json()) as Execution;
    for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if ((await get(id)).state.current === "PAUSED") return id;
    throw new Error(`execution ${id} never paused`);
  };
  beforeAll(async () => {
    ferry = await startFerryProcess();
    s = ["--server", ferry.url];
    expect((await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", headers: { "content-type": "application/x-yaml" }, body: FLOW })).status).toBe(200);
  });
  afterAll(async () => ferry?.stop());

  it("approves with inputs and follows to the end; refuses a denial without comment, a missing decision and a second review", async () => {
    const id = await startPaused();
    expect(await runCli(["executions", "review", id, ...s])).toMatchObject({ code: 2, stderr: "ferry: give one of --approve and --deny\n" });
    const refused = await runCli(["executions", "review", id, "--deny", ...s]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/HTTP 422: a comment is required to deny task 'approval'/);
    expect((await get(id)).state.current).toBe("PAUSED");
    const approved = await runCli(["executions", "review", id, "--approve", "-m", "go", "-i", "ticket=12", "--wait", ...s]);
    expect(approved.code).toBe(0);
    const done = await get(id);
    expect(done.state.current).toBe("SUCCESS");
    expect(done.taskRunList.find((r) => r.taskId === "ship")!.outputs).toEqual({ value: "ship ticket 12" });
    const again = await runCli(["executions", "review", id, "--deny", "-m", "late", ...s]);
    expect(again.stderr).toMatch(/HTTP 409: execution .+ is not paused: it already ended SUCCESS; only a PAUSED execution is reviewed\n$/);
  }, 90_000);
});
