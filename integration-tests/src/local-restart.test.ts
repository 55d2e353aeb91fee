import { describe, expect, it } from "vitest";
import { startFerryProcess } from "./support/ferry-process.js";

describe("local mode survives a hard stop", () => {
  it("resumes an unfinished execution after kill -9 and a restart, with a second attempt", async () => {
    const first = await startFerryProcess();
    await fetch(`${first.url}/api/v1/flows`, {
      method: "POST",
      headers: { "content-type": "application/x-yaml" },
      body: "id: slow\nnamespace: it.restart\ntasks:\n  - { id: nap, type: script.Shell, commands: [\"sleep 1\"] }\n  - { id: after, type: core.Log, message: resumed }\n",
    });
    const { id } = (await (await fetch(`${first.url}/api/v1/executions/it.restart/slow`, { method: "POST" })).json()) as { id: string };
    await new Promise((r) => setTimeout(r, 300));
    await first.kill9();

    const port = Number(new URL(first.url).port);
    const second = await startFerryProcess({ cwd: first.cwd, port });
    try {
      let execution: { state: { current: string }; taskRunList: Array<{ taskId: string; attempts: unknown[] }> } | undefined;
      for (let i = 0; i < 100; i++) {
        execution = (await (await fetch(`${second.url}/api/v1/executions/${id}`)).json()) as typeof execution;
        if (execution!.state.current === "SUCCESS") break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(execution!.state.current).toBe("SUCCESS");
      expect(execution!.taskRunList.find((t) => t.taskId === "nap")!.attempts).toHaveLength(2);
    } finally {
      await second.stop();
    }
  });

  it("keeps paused executions paused through kill -9: a pauseDuration passed meanwhile ends as its behavior says, another is resumed with inputs", async () => {
    const first = await startFerryProcess();
    const api = (base: string, path: string, init?: RequestInit) => fetch(`${base}/api/v1${path}`, init);
    const flows = [
      "id: timed\nnamespace: it.restart\ntasks:\n  - { id: wait, type: core.Pause, pauseDuration: PT2S, behavior: WARN }\n  - { id: after, type: core.Log, message: went on }\n",
      "id: manual\nnamespace: it.restart\ntasks:\n  - id: wait\n    type: core.Pause\n    onResume:\n      - { id: note, type: STRING }\n  - { id: after, type: core.Return, format: \"{{ outputs.wait.onResume.note }}\" }\n",
    ];
    for (const body of flows) expect((await api(first.url, "/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body })).status).toBe(200);
    const start = async (flowId: string) => ((await (await api(first.url, `/executions/it.restart/${flowId}`, { method: "POST" })).json()) as { id: string }).id;
    type Execution = { state: { current: string }; taskRunList: Array<{ taskId: string; state: { current: string }; outputs?: unknown }> };
    const waitState = async (base: string, id: string, states: string[]) => {
      for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
        const execution = (await (await api(base, `/executions/${id}`)).json()) as Execution;
        if (states.includes(execution.state.current)) return execution;
      }
      throw new Error(`execution ${id} never reached ${states.join(" or ")}`);
    };
    const timed = await start("timed");
    const manual = await start("manual");
    await waitState(first.url, timed, ["PAUSED"]);
    await waitState(first.url, manual, ["PAUSED"]);
    await first.kill9(); // the in-memory queue, with the timed pause's wake-up, is gone
    await new Promise((r) => setTimeout(r, 2000));

    const second = await startFerryProcess({ cwd: first.cwd, port: Number(new URL(first.url).port) });
    try {
      const warned = await waitState(second.url, timed, ["WARNING", "SUCCESS", "FAILED"]);
      expect(warned.state.current).toBe("WARNING");
      expect(warned.taskRunList.find((r) => r.taskId === "after")?.state.current).toBe("SUCCESS");
      expect((await waitState(second.url, manual, ["PAUSED"])).state.current).toBe("PAUSED");
      const resumed = await api(second.url, `/executions/${manual}/resume`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ note: "after the restart" }) });
      expect(resumed.status).toBe(200);
      const done = await waitState(second.url, manual, ["SUCCESS", "FAILED"]);
      expect(done.taskRunList.find((r) => r.taskId === "after")?.outputs).toEqual({ value: "after the restart" });
    } finally {
      await second.stop();
    }
  }, 120_000);
});
