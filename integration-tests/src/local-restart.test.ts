import { describe, expect, it } from "vitest";
import { startFerryProcess } from "./support/ferry-process.js";

describe("local mode survives a hard stop", () => {
  it("resumes an unfinished execution after kill -9 and a restart, with a second attempt", async () => {
    const first = await startFerryProcess();
    await fetch(`${first.url}/api/v1/flows`, {
      method: "POST",
      headers: { "content-type": "application/x-yaml" },
      body: "id: slow\nnamespace: it.restart\ntasks:\n  - { id: nap, type: core.Sleep, duration: PT1S }\n  - { id: after, type: core.Log, message: resumed }\n",
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
});
