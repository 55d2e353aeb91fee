import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "./ferry-process.js";
import { reapOnExit } from "./reaper.js";

export interface Proc {
  child: ChildProcess;
  /** how it was started, to start it again */
  cwd: string;
  env?: Record<string, string>;
  output(): string;
  /** resolves with the first stdout line matching */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts a real process and keeps its output, for tests that start and kill several. */
export function startProcess(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }): Proc {
  const child = reapOnExit(spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] }));
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d;
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  return {
    child,
    cwd: options.cwd,
    env: options.env,
    output: () => out,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} in ${timeoutMs} ms; output:\n${out}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    stop: (signal = "SIGTERM") =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}

export const FERRY = join(REPO_ROOT, "apps/cli/bin/ferry.js");
export const WORKER_MAIN = join(REPO_ROOT, "apps/worker/dist/main.js");
export const DENO = join(REPO_ROOT, "node_modules/.bin/deno");

/** waits until a server answers /health (20 s at most) */
export async function waitForHealth(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer /health in 20 s`);
}
