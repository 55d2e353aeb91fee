import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const FLOW = `id: two
namespace: cli.replay
tasks:
  - { id: first, type: core.Return, format: "one" }
  - { id: second, type: core.Log, message: "after {{ outputs.first.value }}" }
`;

type Execution = { id: string; state: { current: string }; labels: Array<{ key: string; value: string }>; taskRunList: Array<{ id: string; taskId: string }> };

describe("ferry executions replay", () => {
  let ferry: FerryProcess;
  let s: string[];
  let source: Execution;
  beforeAll(async () => {
    ferry = await startFerryProcess();
    s = ["--server", ferry.url];
    await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", headers: { "content-type": "application/x-yaml" }, body: FLOW });
    source = (await (await fetch(`${ferry.url}/api/v1/executions/cli.replay/two?wait=true`, { method: "POST" })).json()) as Execution;
    expect(source.state.current).toBe("SUCCESS");
  });
  afterAll(async () => ferry?.stop());

  it("replays an ended execution as a new one and follows it (--wait), or answers it (--json), from the start or from a task", async () => {
    const followed = await runCli(["executions", "replay", source.id, "--wait", ...s]);
    expect(followed.code).toBe(0);
    const end = JSON.parse(followed.stdout.trim().split("\n").at(-1)!) as { event: string; id: string; state: string };
    expect(end).toMatchObject({ event: "end", state: "SUCCESS" });
    expect(end.id).not.toBe(source.id);

    const fromTask = JSON.parse((await runCli(["executions", "replay", source.id, "--task", "second", "--json", ...s])).stdout) as Execution;
    expect(fromTask.id).not.toBe(source.id);
    const second = source.taskRunList.find((r) => r.taskId === "second")!;
    const fromRun = await runCli(["executions", "replay", source.id, "--task-run", second.id, "--revision", "1", ...s]);
    expect(fromRun.stdout).toMatch(new RegExp(`^execution [0-9a-f-]{36}: replay of ${source.id} \\(RESTARTED\\)\\n$`));
    const labels = ((await (await fetch(`${ferry.url}/api/v1/executions/${source.id}`)).json()) as Execution).labels;
    expect(labels).toContainEqual({ key: "system.replayed", value: "true" });
  }, 180_000);

  it("bad input is one line: an unknown task (1), two ways to name it (2), an unknown execution (1)", async () => {
    expect(await runCli(["executions", "replay", source.id, "--task", "nope", ...s])).toMatchObject({ code: 1, stderr: `ferry: execution ${source.id} has no run of task nope (its tasks: first, second)\n` });
    expect(await runCli(["executions", "replay", source.id, "--task", "first", "--task-run", "x", ...s])).toMatchObject({ code: 2, stderr: "ferry: --task and --task-run both name where to replay from: give one\n" });
    const unknown = await runCli(["executions", "replay", "01234567-89ab-7def-8123-456789abcdef", ...s]);
    expect(unknown).toMatchObject({ code: 1, stderr: "ferry: POST /api/v1/executions/01234567-89ab-7def-8123-456789abcdef/replay: HTTP 404: execution 01234567-89ab-7def-8123-456789abcdef not found\n" });
  }, 120_000);
});
