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

  it("a ForEach killed with kill -9 midway ends after a restart with every value run once, their outputs read by the task after it (issue #18.1: ended runs held packed)", async () => {
    const first = await startFerryProcess();
    const api = (base: string, path: string, init?: RequestInit) => fetch(`${base}/api/v1${path}`, init);
    const flow = `id: each
namespace: it.restart
tasks:
  - id: each
    type: core.ForEach
    values: "{{ range(1, 400) }}"
    tasks:
      - { id: ret, type: core.Return, format: "v{{ taskrun.value }}" }
  - { id: after, type: core.Return, format: "{{ outputs.ret['1'].value }} {{ outputs.ret['200'].value }} {{ outputs.ret['400'].value }}" }
`;
    expect((await api(first.url, "/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: flow })).status).toBe(200);
    const { id } = (await (await api(first.url, "/executions/it.restart/each", { method: "POST" })).json()) as { id: string };
    type Execution = { state: { current: string }; taskRunList: Array<{ taskId: string; value?: string; state: { current: string; histories: unknown[] }; attempts: unknown[]; outputs?: unknown }> };
    const read = async (base: string) => (await (await api(base, `/executions/${id}`)).json()) as Execution;
    // killed once some values ended (their runs held packed) and others had not started
    let before: { state: string; ended: number } = { state: "CREATED", ended: 0 };
    for (const end = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 20))) {
      const seen = await read(first.url);
      before = { state: seen.state.current, ended: seen.taskRunList.filter((r) => r.taskId === "ret" && r.state.current === "SUCCESS").length };
      if (before.ended >= 40) break;
      if (Date.now() > end) throw new Error("the ForEach did not start");
    }
    await first.kill9();
    // the restart below has work left to do: the last read before the kill saw the ForEach midway
    expect(before.state).toBe("RUNNING");
    expect(before.ended).toBeLessThan(400);

    const second = await startFerryProcess({ cwd: first.cwd, port: Number(new URL(first.url).port) });
    try {
      let execution = await read(second.url);
      for (const end = Date.now() + 60_000; !["SUCCESS", "FAILED", "WARNING"].includes(execution.state.current) && Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 200));
        execution = await read(second.url);
      }
      expect(execution.state.current).toBe("SUCCESS");
      const rets = execution.taskRunList.filter((r) => r.taskId === "ret");
      expect(rets).toHaveLength(400);
      expect(new Set(rets.map((r) => r.value)).size).toBe(400);
      for (const run of rets) {
        expect(run.state.current).toBe("SUCCESS");
        expect(run.outputs).toEqual({ value: `v${run.value}` });
        // each run's history as saved: created, queued, running, success (a run lost with the process ran again as a new attempt)
        expect(run.state.histories.length).toBeGreaterThanOrEqual(4);
        // run once, or once more when the kill took it midway: never a third time
        expect(run.attempts.length).toBeGreaterThanOrEqual(1);
        expect(run.attempts.length).toBeLessThanOrEqual(2);
      }
      expect(execution.taskRunList.find((r) => r.taskId === "after")?.outputs).toEqual({ value: "v1 v200 v400" });
    } finally {
      await second.stop();
    }
  }, 180_000);
});
