import { LeaseLostError, type RunContext } from "@ferry/sdk";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
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

describe("runProcess and a script's own output streams", () => {
  it("lets a script open /dev/stdout and /dev/stderr by name, as Kestra's processes can (bash-warning.yaml)", async () => {
    // Before: Node's socket pairs cannot be reopened by path, and `echo error >> /dev/stderr` ended
    // the shell with "cannot create /dev/stderr: No such device or address" (exit 2)
    const { ctx, lines } = contextWith(new AbortController().signal);
    const result = await runProcess(ctx, {
      command: "/bin/sh",
      args: ["-c", 'echo "error" >> /dev/stderr; echo out > /dev/stdout; echo tee | tee /dev/stderr'],
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(result).toMatchObject({ exitCode: 0, stdOutLineCount: 2, stdErrLineCount: 2 });
    expect(lines.sort()).toEqual(["error", "out", "tee", "tee"]);
  });

  it("reads every line a script writes up to its end, a background child's too, and the last one without a newline", async () => {
    const { ctx, lines } = contextWith(new AbortController().signal);
    const result = await runProcess(ctx, {
      command: "/bin/sh",
      args: ["-c", "seq 1 20000; (sleep 0.2; echo late) & wait; printf last"],
      cwd: dir,
      env: { PATH: process.env.PATH ?? "" },
    });
    expect(result.stdOutLineCount).toBe(20002);
    expect(lines.slice(-3)).toEqual(["20000", "late", "last"]);
  });

  it("reads every line when its copies are slow to run: a copy still holding output is not cut short", async () => {
    // Before: the supervisor killed its copies 0.5 s after the command ended, drained or not; on a
    // loaded box a copy not scheduled in time lost the end of the output (CI: 96,742 lines of 100,000).
    // Here the script stops both copies (SIGSTOP, as a starved CPU would hold them), writes 10,000
    // lines into their pipes and ends; they are let go 1.5 s later.
    const { ctx, lines } = contextWith(new AbortController().signal);
    const script = "pkill -STOP -x -P $PPID cat; seq 1 10000; (sleep 1.5; pkill -CONT -x -P $PPID cat) >/dev/null 2>&1 &";
    const result = await runProcess(ctx, { command: "/bin/sh", args: ["-c", script], cwd: dir, env: { PATH: process.env.PATH ?? "" } });
    expect(result.exitCode).toBe(0);
    expect(lines.length).toBe(10_000);
    expect(lines[9_999]).toBe("10000");
  });

  it("keeps the command's exit code and its last stderr lines for the failure", async () => {
    const { ctx } = contextWith(new AbortController().signal);
    const failing = runProcess(ctx, { command: "/bin/sh", args: ["-c", "echo why >&2; exit 3"], cwd: dir, env: { PATH: process.env.PATH ?? "" } });
    await expect(failing).rejects.toThrow(/^Command failed with code 3 \(\/bin\/sh\):\nwhy$/);
  });

  it("does not wait for a background process that keeps the output open: it ends with the group, as before the pipes", async () => {
    const marker = `97${Date.now() % 100000}.5`;
    const { ctx, lines } = contextWith(new AbortController().signal);
    const started = Date.now();
    const result = await runProcess(ctx, { command: "/bin/sh", args: ["-c", `sleep ${marker} & echo done`], cwd: dir, env: { PATH: process.env.PATH ?? "" } });
    expect(result.exitCode).toBe(0);
    expect(lines).toEqual(["done"]);
    // bounded by the copies' 0.5 s grace, far below the background sleep's 9,700 s
    expect(Date.now() - started).toBeLessThan(60_000);
    for (const until = Date.now() + 5000; sleeping(marker).length && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(sleeping(marker)).toEqual([]);
  });

  it("leaves no FIFO behind in TMPDIR", async () => {
    const tmp = await mkdtemp(join(tmpdir(), "ferry-fifo-"));
    const { ctx } = contextWith(new AbortController().signal);
    await runProcess(ctx, { command: "/bin/sh", args: ["-c", "echo x > /dev/stderr"], cwd: dir, env: { PATH: process.env.PATH ?? "", TMPDIR: tmp } });
    expect(readdirSync(tmp)).toEqual([]);
    await rm(tmp, { recursive: true, force: true });
  });
});
