import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startFerryProcess } from "./support/ferry-process.js";
import { FERRY, startProcess } from "./support/processes.js";

const GATE = `id: gate
namespace: cli.restart
inputs:
  - { id: gate, type: STRING }
tasks:
  - id: wait
    type: io.kestra.plugin.scripts.shell.Commands
    commands:
      - echo waiting for the gate
      - "while [ ! -f '{{ inputs.gate }}' ]; do sleep 0.05; done"
  - { id: after, type: core.Log, message: through the gate }
`;

describe("following an execution through a server restart", () => {
  it("execute --wait --logs reconnects when the server goes away and comes back, and ends with the execution, each log line once", async () => {
    const first = await startFerryProcess();
    const port = Number(new URL(first.url).port);
    await fetch(`${first.url}/api/v1/flows`, { method: "POST", headers: { "content-type": "application/x-yaml" }, body: GATE });
    const dir = await mkdtemp(join(tmpdir(), "ferry-cli-restart-"));
    const gate = join(dir, "open");
    const cli = startProcess(process.execPath, [FERRY, "execute", "cli.restart", "gate", "-i", `gate=${gate}`, "--wait", "--logs", "--server", first.url], { cwd: dir });
    let second: Awaited<ReturnType<typeof startFerryProcess>> | undefined;
    try {
      await cli.waitFor(/"taskId":"wait".*"state":"RUNNING"/);
      await cli.waitFor(/"message":"waiting for the gate"/);
      await first.kill9();
      await cli.waitFor(/ferry: lost the execution stream \(.+\); reconnecting to http:\/\/127\.0\.0\.1:\d+…/);
      expect(cli.child.exitCode).toBeNull();
      second = await startFerryProcess({ cwd: first.cwd, port });
      await writeFile(gate, "open");
      const code = await new Promise<number>((resolve) => (cli.child.exitCode !== null ? resolve(cli.child.exitCode) : cli.child.once("exit", (c) => resolve(c ?? -1))));
      expect(code).toBe(0);
      const lines = cli.output().split("\n").filter((l) => l.startsWith("{"));
      const events = lines.map((l) => JSON.parse(l) as { event: string; taskId?: string; state?: string; attempt?: number; message?: string });
      // the task's second attempt, after the restart, is told too
      expect(events.filter((e) => e.event === "taskrun" && e.taskId === "wait" && e.state === "SUCCESS")).toEqual([expect.objectContaining({ attempt: 2 })]);
      expect(events.filter((e) => e.event === "log" && e.message === "through the gate")).toHaveLength(1);
      expect(events.at(-1)).toMatchObject({ event: "end", state: "SUCCESS" });
    } finally {
      await cli.stop("SIGKILL");
      await first.kill9().catch(() => undefined);
      await second?.stop();
    }
  }, 180_000);

  it("gives up with exit 4 when the server stays away longer than FERRY_REQUEST_TIMEOUT", async () => {
    const ferry = await startFerryProcess();
    await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", headers: { "content-type": "application/x-yaml" }, body: GATE });
    const dir = await mkdtemp(join(tmpdir(), "ferry-cli-gone-"));
    const cli = startProcess(process.execPath, [FERRY, "execute", "cli.restart", "gate", "-i", `gate=${join(dir, "never")}`, "--wait", "--server", ferry.url], { cwd: dir, env: { FERRY_REQUEST_TIMEOUT: "2" } });
    try {
      await cli.waitFor(/"taskId":"wait".*"state":"RUNNING"/);
      await ferry.kill9();
      const code = await new Promise<number>((resolve) => (cli.child.exitCode !== null ? resolve(cli.child.exitCode) : cli.child.once("exit", (c) => resolve(c ?? -1))));
      expect(code).toBe(4);
      expect(cli.output()).toMatch(new RegExp(`ferry: lost the Ferry server at ${ferry.url} for over 2 s while following \\(.+; FERRY_REQUEST_TIMEOUT\\)\\n$`));
    } finally {
      await cli.stop("SIGKILL");
    }
  }, 120_000);
});
