import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const FLOW = `id: gated
namespace: cli.mark
tasks:
  - { id: gate, type: core.Fail, condition: "{{ true }}" }
  - { id: after, type: core.Return, format: "ran" }
`;

type Execution = { id: string; state: { current: string }; taskRunList: Array<{ id: string; taskId: string; state: { current: string } }> };

describe("ferry executions mark", () => {
  let ferry: FerryProcess;
  let s: string[];
  beforeAll(async () => {
    ferry = await startFerryProcess();
    s = ["--server", ferry.url];
    await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", headers: { "content-type": "application/x-yaml" }, body: FLOW });
  });
  afterAll(async () => ferry?.stop());

  const failed = async () => {
    const e = (await (await fetch(`${ferry.url}/api/v1/executions/cli.mark/gated?wait=true`, { method: "POST" })).json()) as Execution;
    expect(e.state.current).toBe("FAILED");
    return e;
  };

  it("marks a failed task run SUCCESS and follows the execution to its end (--wait), or answers it", async () => {
    const first = await failed();
    const followed = await runCli(["executions", "mark", first.id, "--task", "gate", "--state", "success", "--wait", ...s]);
    expect(followed.code).toBe(0);
    expect(JSON.parse(followed.stdout.trim().split("\n").at(-1)!)).toMatchObject({ event: "end", id: first.id, state: "SUCCESS" });

    const second = await failed();
    const gate = second.taskRunList.find((r) => r.taskId === "gate")!;
    const answered = await runCli(["executions", "mark", second.id, "--task-run", gate.id, "--state", "WARNING", ...s]);
    expect(answered.stdout).toMatch(new RegExp(`^execution ${second.id}: task run ${gate.id} marked WARNING \\(RESTARTED\\)\\n$`));
  }, 180_000);

  it("bad input is one line: a state it cannot take (2), no task named (2), a task that did not run (1)", async () => {
    const first = await failed();
    expect(await runCli(["executions", "mark", first.id, "--task", "gate", "--state", "RUNNING", ...s])).toMatchObject({ code: 2, stderr: "ferry: --state must be one of SUCCESS, WARNING, FAILED, not RUNNING\n" });
    expect(await runCli(["executions", "mark", first.id, "--state", "SUCCESS", ...s])).toMatchObject({ code: 2, stderr: "ferry: give one of --task and --task-run\n" });
    expect(await runCli(["executions", "mark", first.id, "--task", "after", "--state", "SUCCESS", ...s])).toMatchObject({ code: 1, stderr: `ferry: execution ${first.id} has no run of task after (its tasks: gate)\n` });
  }, 120_000);
});
