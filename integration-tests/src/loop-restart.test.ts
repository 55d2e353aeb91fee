import { describe, expect, it } from "vitest";
import { startFerryProcess } from "./support/ferry-process.js";

type Execution = { id: string; parentId?: string; state: { current: string }; loopRun?: { index: number }; taskRunList: Array<{ taskId: string; state: { current: string }; outputs?: Record<string, unknown> }> };
const TERMINAL = ["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED"];

/*
 * A Loop's iterations are executions of their own (kind LOOP, Kestra's loop sub-executions),
 * in the repository like any: `kill -9` of `ferry server local` mid-loop loses none of them,
 * and after a restart the Loop ends as it would have, each iteration once.
 */
describe("a Loop survives kill -9 of local mode", () => {
  it("after a restart, the running iterations finish, the ones not started start, and the Loop counts each once", async () => {
    const first = await startFerryProcess();
    const api = (base: string, path: string, init?: RequestInit) => fetch(`${base}/api/v1${path}`, init);
    const flow = [
      "id: looped",
      "namespace: it.loop",
      "tasks:",
      "  - id: loop",
      "    type: io.kestra.plugin.core.flow.Loop",
      "    values: [1, 2, 3, 4]",
      "    concurrencyLimit: 2",
      "    outputs:",
      "      - { id: n, type: INT, value: \"{{ item.value }}\" }",
      "    tasks:",
      "      - { id: nap, type: script.Shell, commands: [\"sleep 1\"] }",
      "      - { id: said, type: core.Log, message: \"done {{ item.value }}\" }",
      "  - { id: after, type: core.Log, message: \"after {{ loopOutputs(outputs.loop.outputs, 'n') }}\" }",
      "",
    ].join("\n");
    expect((await api(first.url, "/flows", { method: "POST", headers: { "content-type": "application/x-yaml" }, body: flow })).status).toBe(200);
    const { id } = (await (await api(first.url, "/executions/it.loop/looped", { method: "POST" })).json()) as { id: string };
    const iterations = async (base: string) => ((await (await api(base, "/executions/search?namespace=it.loop&flowId=looped&kind=LOOP&size=100")).json()) as { results: Execution[] }).results;
    // two iterations running their sleep, none ended: the process dies with them
    for (const end = Date.now() + 20_000; (await iterations(first.url)).length < 2 && Date.now() < end; ) await new Promise((r) => setTimeout(r, 50));
    expect((await iterations(first.url)).map((e) => e.state.current).every((s) => !TERMINAL.includes(s))).toBe(true);
    await first.kill9();

    const second = await startFerryProcess({ cwd: first.cwd, port: Number(new URL(first.url).port) });
    try {
      let root: Execution | undefined;
      for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
        root = (await (await api(second.url, `/executions/${id}`)).json()) as Execution;
        if (TERMINAL.includes(root.state.current)) break;
      }
      expect(root!.state.current).toBe("SUCCESS");
      expect(root!.taskRunList.map((t) => [t.taskId, t.state.current])).toEqual([["loop", "SUCCESS"], ["after", "SUCCESS"]]);
      expect(root!.taskRunList[0].outputs).toMatchObject({ iterationCount: 4, runningIterations: 0, terminatedIterations: { SUCCESS: 4 } });
      const all = await iterations(second.url);
      // each iteration once: the two cut short ran again (a second attempt of their sleep), the two others started after the restart
      expect(all.map((e) => e.loopRun!.index).sort()).toEqual([0, 1, 2, 3]);
      expect(all.every((e) => e.parentId === id && e.state.current === "SUCCESS")).toBe(true);
      const logs = (await (await api(second.url, `/logs/${id}`)).json()) as Array<{ message: string }>;
      // outputs are appended as iterations end (Kestra's LoopExecutionEventMessageHandler): each value once, in any order
      const after = logs.map((l) => l.message).find((m) => m.startsWith("after "));
      expect(JSON.parse(after!.slice("after ".length)).sort()).toEqual([1, 2, 3, 4]);
    } finally {
      await second.stop();
    }
  }, 120_000);
});
