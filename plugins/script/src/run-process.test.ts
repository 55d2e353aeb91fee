import { LeaseLostError, type RunContext } from "@ferry/sdk";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess } from "./run-process.js";

/** what runProcess reads of a run context: its signal, its logger, no process user */
const contextWith = (signal: AbortSignal) => {
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const logger = { info: log, error: log, warn: log, debug: log, trace: log, log: (_level: string, line: string) => log(line) };
  return { ctx: { signal, logger, metric: () => undefined } as unknown as RunContext, lines };
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-run-process-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe("runProcess and the task's signal", () => {
  it("starts nothing when the task was stopped before its process (a lease lost while the task was prepared)", async () => {
    // Before: the abort had fired, the listener added after it never ran, and the process ran in
    // full beside the attempt that replaced it (chaos-side-effects saw "end" written twice).
    const controller = new AbortController();
    const lost = new LeaseLostError("lost the hold on the job: Redis heartbeats failed for 1033 ms");
    controller.abort(lost);
    const marker = join(dir, "ran");
    const { ctx } = contextWith(controller.signal);
    await expect(runProcess(ctx, { command: "/bin/sh", args: ["-c", `touch ${marker}`], cwd: dir, env: { PATH: process.env.PATH ?? "" } })).rejects.toBe(lost);
    // the same process, with a signal not aborted, writes the file: so its absence above is not a slow start
    const { ctx: running } = contextWith(new AbortController().signal);
    const witness = join(dir, "witness");
    await runProcess(running, { command: "/bin/sh", args: ["-c", `touch ${witness}`], cwd: dir, env: { PATH: process.env.PATH ?? "" } });
    expect(existsSync(witness)).toBe(true);
    expect(existsSync(marker)).toBe(false);
  });

  it("kills the process group when the signal aborts while it runs: nothing it started is left", async () => {
    const controller = new AbortController();
    const marker = `96${Date.now() % 100000}.5`;
    const { ctx } = contextWith(controller.signal);
    const running = runProcess(ctx, { command: "/bin/sh", args: ["-c", `sleep ${marker} & sleep ${marker}`], cwd: dir, env: { PATH: process.env.PATH ?? "" } });
    while (!sleeping(marker).length) await new Promise((r) => setTimeout(r, 20));
    controller.abort(new LeaseLostError("lost"));
    await expect(running).rejects.toThrow("lost");
    // SIGKILL to the group: gone once the kernel has reaped them
    for (const until = Date.now() + 5000; sleeping(marker).length && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(sleeping(marker)).toEqual([]);
  });
});

/** processes sleeping for `marker` seconds (a duration no other process uses) */
const sleeping = (marker: string) =>
  execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes(`sleep ${marker}`) && !line.includes("ps -eo"));
