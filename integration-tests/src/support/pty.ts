import { spawn, type ChildProcess } from "node:child_process";
import { FERRY_BIN, REPO_ROOT } from "./ferry-process.js";

export interface PtyRun {
  child: ChildProcess;
  /** everything the terminal received so far, escape codes included */
  raw(): string;
  /** what a person would read: escape codes removed */
  text(): string;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** types into the terminal (\x03 is Ctrl-C) */
  type(keys: string): void;
  exited: Promise<number>;
}

const quote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`;

/** escape sequences (CSI, OSC) and carriage returns removed */
export const plain = (text: string) => text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, "").replace(/\x1b\][^\x07]*\x07/g, "").replace(/\r/g, "");

/**
 * Runs `ferry` on a pseudo-terminal, as a person at a terminal would (util-linux `script`:
 * stdout and stderr are the terminal, sized 120×40 as `stty` sets it). `env` is added to
 * this process's environment; a key set to undefined is removed (CI, NO_COLOR).
 */
export function runInPty(args: string[], options: { env?: Record<string, string | undefined>; cwd?: string } = {}): PtyRun {
  const env: Record<string, string | undefined> = { ...process.env, TERM: "xterm-256color", ...options.env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
  const command = `stty rows 40 cols 120; exec ${quote(process.execPath)} ${quote(FERRY_BIN)} ${args.map(quote).join(" ")}`;
  const child = spawn("script", ["-qfec", command, "/dev/null"], { cwd: options.cwd ?? REPO_ROOT, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString("utf8");
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)));
  return {
    child,
    raw: () => out,
    text: () => plain(out),
    type: (keys) => child.stdin!.write(keys),
    exited,
    waitFor: (pattern, timeoutMs = 20_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(plain(out))) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} on the terminal in ${timeoutMs} ms; it shows:\n${plain(out)}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
}
