import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEngineHarness, type EngineHarness } from "../engine.test-support.js";
import scriptPlugin from "../../../../plugins/script/src/index.js";

/* A WorkingDirectory killed, handed back by a stopping worker, restarted; and the flows it refuses at deploy. */
let h: EngineHarness;
beforeAll(async () => void (h = await createEngineHarness([scriptPlugin])), 30_000);
afterAll(async () => h?.close());

describe("core.WorkingDirectory, killed and recovered", () => {
  it("a kill stops the running child: it and the WorkingDirectory end KILLED, the children after it never run", async () => {
    const flow = await h.deploy(`
id: wd_kill
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    tasks:
      - { id: quick, type: core.Return, format: done }
      - { id: nap, type: test.WorkerWait, ms: 30000 }
      - { id: never, type: core.Log, message: never }
`);
    const execution = await h.executions.create({ flow });
    await h.waitFor(execution.id, (e) => e.state.current === "RUNNING");
    for (const end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      if ((await h.repository.getExecution(execution.id))!.taskRuns.some((t) => t.taskId === "nap" && t.state.current === "RUNNING")) break;
    }
    const started = Date.now();
    await h.executor.handle({ type: "kill", executionId: execution.id });
    await h.waitFor(execution.id, (e) => e.state.current === "KILLED");
    expect(Date.now() - started).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 300));
    const r = await h.result(execution.id);
    expect(r.state("quick")).toBe("SUCCESS");
    expect(r.state("nap")).toBe("KILLED");
    expect(r.state("wdir")).toBe("KILLED");
    expect(r.runs("never")).toEqual([]);
  });

  it("restarted after a failure, it runs whole again on one worker: each child a new attempt of its task run, no twins", async () => {
    const marker = join(h.dir, "flaky-marker");
    const flow = await h.deploy(`
id: wd_restart
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    tasks:
      - id: write
        type: script.Shell
        commands: ["echo {{ taskrun.attemptsCount }} > n.txt"]
      - id: flaky
        type: script.Shell
        commands: ["if [ -f ${marker} ]; then echo second; else touch ${marker}; exit 1; fi"]
      - id: read
        type: script.Shell
        commands: ["cat n.txt"]
`);
    const execution = await h.executions.create({ flow });
    await h.waitFor(execution.id, (e) => e.state.current === "FAILED");
    await h.executor.handle({ type: "restart", executionId: execution.id });
    await h.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
    const r = await h.result(execution.id);
    expect(["write", "flaky", "read"].map((t) => r.runs(t).length)).toEqual([1, 1, 1]);
    expect(r.runs("write")[0].attempts.map((a) => a.state.current)).toEqual(["SUCCESS", "SUCCESS"]);
    expect(r.runs("flaky")[0].attempts.map((a) => a.state.current)).toEqual(["FAILED", "SUCCESS"]);
    expect(r.runs("read")[0].attempts.map((a) => a.state.current)).toEqual(["SUCCESS"]);
    expect(r.runs("wdir")[0].attempts).toHaveLength(2);
    // the second attempt wrote its own count into the folder the read then found
    expect(r.messages()).toContain("1");
  });

  it("a worker that stops mid-way hands it back: after a restart of the process it runs whole again, each child a new attempt", async () => {
    const first = await createEngineHarness([scriptPlugin]);
    const flow = await first.deploy(`
id: wd_handed_back
namespace: test.wd
tasks:
  - id: wdir
    type: core.WorkingDirectory
    tasks:
      - id: write
        type: script.Shell
        commands: ["echo {{ taskrun.attemptsCount }} > n.txt"]
      - id: slow
        type: script.Shell
        commands: ["sleep 1"]
      - id: read
        type: script.Shell
        commands: ["echo '::{\\"outputs\\":{\\"n\\":'$(cat n.txt)'}}::'"]
`);
    const execution = await first.executions.create({ flow });
    for (const end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      if ((await first.repository.getExecution(execution.id))!.taskRuns.some((t) => t.taskId === "slow" && t.state.current === "RUNNING")) break;
    }
    await first.close(true);
    const second = await createEngineHarness([scriptPlugin], { dir: first.dir });
    try {
      await second.waitFor(execution.id, (e) => e.state.current === "SUCCESS");
      const r = await second.result(execution.id);
      expect(["write", "slow", "read"].map((t) => r.runs(t).length)).toEqual([1, 1, 1]);
      expect(r.runs("write")[0].attempts.length).toBeGreaterThanOrEqual(2);
      expect(r.runs("slow")[0].attempts.at(-1)!.state.current).toBe("SUCCESS");
      expect(r.runs("slow")[0].attempts.slice(0, -1).every((a) => a.state.current === "FAILED")).toBe(true);
      // the folder of the attempt that finished was filled by that attempt's own children
      expect(((await r.outputs("read")) as { vars: { n: number } }).vars.n).toBe(r.runs("write")[0].attempts.length - 1);
    } finally {
      await second.close();
    }
  });
});
