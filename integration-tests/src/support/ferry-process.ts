import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "@ferry/testkit/tcp-proxy";
import { reapOnExit } from "./reaper.js";

export { freePort };

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
export const FERRY_BIN = join(REPO_ROOT, "apps/cli/bin/ferry.js");


export interface FerryProcess {
  url: string;
  cwd: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

/** Starts a real `ferry server local` process in its own folder and waits for /health. */
export async function startFerryProcess(options: { cwd?: string; args?: string[]; env?: Record<string, string>; port?: number } = {}): Promise<FerryProcess> {
  const cwd = options.cwd ?? (await mkdtemp(join(tmpdir(), "ferry-it-")));
  const port = options.port ?? (await freePort());
  const child = reapOnExit(
    spawn(process.execPath, [FERRY_BIN, "server", "local", ...(options.args ?? [])], {
      cwd,
      env: { ...process.env, FERRY_SERVER__PORT: String(port), ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 45_000; // a starved CI box once took over 20 s to start
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ferry exited ${child.exitCode}: ${out}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`ferry did not answer /health in 45 s: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const exited = () => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", () => r())));
  return {
    url,
    cwd,
    child,
    output: () => out,
    stop: async () => {
      child.kill("SIGTERM");
      await exited();
    },
    kill9: async () => {
      child.kill("SIGKILL");
      await exited();
    },
  };
}

/** Runs the `ferry` CLI to the end; returns its exit code and output. */
export function runCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    const child = reapOnExit(spawn(process.execPath, [FERRY_BIN, ...args], { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, ...options.env } }));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolveRun({ code: code ?? -1, stdout, stderr }));
  });
}
