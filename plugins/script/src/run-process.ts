import { isLeaseLost, UserError, type RunContext } from "@ferry/sdk";
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { protocolMessage } from "./kestra-protocol.js";
import { handOver, spawnError, startError, takeBack } from "./process-user.js";
import { supervised } from "./supervise.js";

export interface ProcessSpec {
  command: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

export interface ProcessResult {
  exitCode: number;
  /** merged `::{"outputs":…}::` lines */
  vars: Record<string, unknown>;
  /** lines the process wrote on each stream, protocol lines included (Kestra's LogConsumer counts every line it reads) */
  stdOutLineCount: number;
  stdErrLineCount: number;
}

/** stderr lines kept for the error message of a failed run */
const STDERR_TAIL = 10;
/** after SIGTERM, how long a process group has before SIGKILL */
const KILL_GRACE_MS = 2000;

/** signals the whole process group the task started (negative pid), ignoring a group already gone */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: nothing left in the group
  }
}

/**
 * Runs one script process in its own process group: stdout and stderr reach the task's logs
 * line by line as they come (Kestra's `::{…}::` lines are read, not logged), the task's
 * signal (kill, timeout) ends the whole group, and when the process exits whatever it left
 * running in its group is killed too: nothing outlives its task. A non-zero exit fails the
 * task with the last stderr lines. `::{"metrics":…}::` lines become the task run's metrics.
 *
 * With `ctx.processUser` (worker.processUser) the process runs as that user, its HOME the
 * working folder (`spec.cwd`), which is handed to the user before and taken back after:
 * the process cannot read the worker's environment or memory, and what it leaves behind
 * cannot make the worker read something else for it.
 */
export async function runProcess(ctx: RunContext, spec: ProcessSpec): Promise<ProcessResult> {
  const user = ctx.processUser;
  if (!user) return runAs(ctx, spec);
  await handOver(spec.cwd, user).catch((error: NodeJS.ErrnoException) => {
    throw spawnError(spec.command, user, error);
  });
  try {
    return await runAs(ctx, spec);
  } finally {
    const removed = await takeBack(spec.cwd, user);
    if (removed.length) ctx.logger.warn(`removed from the working folder, as they lead out of it (links) or belong to another user: ${removed.join(", ")}`);
  }
}

async function runAs(ctx: RunContext, spec: ProcessSpec): Promise<ProcessResult> {
  // An abort that came while the task was being prepared (its render, its files, a lease lost
  // on a stalled box) has fired already: a listener added now would never hear it, and the
  // process would run in full beside the attempt that replaces it (chaos-side-effects: "end"
  // written twice). Nothing is started for a task already stopped.
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const user = ctx.processUser;
  const env = user ? { ...spec.env, HOME: spec.cwd, USER: user.name, LOGNAME: user.name } : spec.env;
  // the supervisor leads the process group and kills it when the worker goes (supervise.ts):
  // its stdin is the worker's end of a pipe, never written, closed by the kernel at our exit
  const { command, args } = supervised(spec.command, spec.args);
  const child = spawn(command, args, {
    cwd: spec.cwd, env, detached: true, stdio: ["pipe", "pipe", "pipe"], ...(user ? { uid: user.uid, gid: user.gid } : {}),
  });
  child.stdin!.on("error", () => undefined);
  const vars: Record<string, unknown> = {};
  const stderrTail: string[] = [];
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const onAbort = () => {
    if (!child.pid) return;
    // a worker that lost its lease has no time to give: another may be handed the task soon
    if (isLeaseLost(ctx.signal.reason)) return signalGroup(child.pid, "SIGKILL");
    signalGroup(child.pid, "SIGTERM");
    killTimer = setTimeout(() => signalGroup(child.pid!, "SIGKILL"), KILL_GRACE_MS);
  };
  ctx.signal.addEventListener("abort", onAbort, { once: true });

  // As Kestra's PluginUtilsService.parseOut: a protocol line is read on either stream; any other
  // line is an INFO log from stdout and an ERROR log from stderr (Kestra 0.21+, so errorLogs() holds it)
  const readLine = (line: string, plain: (line: string) => void) => {
    const message = protocolMessage(line);
    if (!message) return plain(line);
    if (message.outputs) Object.assign(vars, message.outputs);
    for (const log of message.logs ?? []) ctx.logger.log(log.level, log.message);
    for (const metric of message.metrics ?? []) ctx.metric(metric.name, metric.value, { type: metric.type === "timer" ? "timer" : "counter", tags: metric.tags });
  };
  let stdOutLineCount = 0;
  let stdErrLineCount = 0;
  const stdout = createInterface({ input: child.stdout!, crlfDelay: Infinity });
  stdout.on("line", (line) => {
    stdOutLineCount++;
    readLine(line, (plain) => ctx.logger.info(plain));
  });
  const stderr = createInterface({ input: child.stderr!, crlfDelay: Infinity });
  stderr.on("line", (line) => {
    stdErrLineCount++;
    readLine(line, (plain) => {
      ctx.logger.error(plain);
      stderrTail.push(plain);
      if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
    });
  });
  const outputDone = Promise.all([new Promise((r) => stdout.once("close", r)), new Promise((r) => stderr.once("close", r))]);

  try {
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.once("error", (error) => reject(user ? spawnError(spec.command, user, error) : startError(`cannot start ${spec.command}`, error)));
      child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? signalNumber(signal) : 0)));
    });
    // what the script left running in its group would hold its output open, and outlive it
    signalGroup(child.pid!, "SIGKILL");
    await Promise.race([outputDone, new Promise((r) => setTimeout(r, 1000))]);
    if (ctx.signal.aborted) throw ctx.signal.reason;
    if (exitCode !== 0) {
      const tail = stderrTail.length ? `:\n${stderrTail.join("\n")}` : "";
      // the script's own failure: its author's to act on (the task's retry policy still applies). Kestra's words
      // (TaskException: "Command failed with code N", what its users grep for), then the command and stderr's last lines
      throw new UserError(`Command failed with code ${exitCode} (${spec.command})${tail}`);
    }
    return { exitCode, vars, stdOutLineCount, stdErrLineCount };
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    clearTimeout(killTimer);
    if (child.pid) signalGroup(child.pid, "SIGKILL");
    child.stdin!.destroy();
  }
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 };
const signalNumber = (signal: NodeJS.Signals) => SIGNALS[signal] ?? 0;
