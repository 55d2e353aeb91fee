import { execFile } from "node:child_process";
import { closeSync, constants, openSync, rmSync, unlinkSync } from "node:fs";
import { mkdtemp, rmdir } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { promisify } from "node:util";

const run = promisify(execFile);

/** where a script's stdout and stderr go: the fds its spawn takes, and the streams the worker reads */
export interface OutputPipes {
  /** the write ends, for spawn's stdio[1] and stdio[2], or "pipe" for Node's own */
  stdio: [number, number] | ["pipe", "pipe"];
  /** once spawned: the parent's copies of the write ends closed, so the readers end when the script's do */
  spawned(): void;
  readers(child: { stdout: Readable | null; stderr: Readable | null }): [Readable, Readable];
  /** for a script that is not started after all: every end closed */
  dispose(): void;
}

/**
 * FIFOs made ahead, a batch per `mkfifo` run, so that starting a script forks nothing more
 * than the script itself (a worker on a loaded box must not stall its task's start on a fork).
 * Each batch has its own folder, removed once its last FIFO is taken; what is left at exit too.
 */
const BATCH = 8;
const pool: Array<{ dir: string; paths: [string, string] }> = [];
const left = new Map<string, number>();
let refilling: Promise<void> | undefined;

async function refill(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-output-"));
  const pairs = Array.from({ length: BATCH }, (_, i) => [join(dir, `${i}.out`), join(dir, `${i}.err`)] as [string, string]);
  try {
    await run("mkfifo", ["-m", "600", ...pairs.flat()]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  left.set(dir, BATCH);
  for (const paths of pairs) pool.push({ dir, paths });
}

/** removes the FIFOs made ahead and not taken (at exit; a test's end) */
export function removeSpareFifos(): void {
  for (const dir of left.keys()) rmSync(dir, { recursive: true, force: true });
  left.clear();
  pool.length = 0;
}

process.once("exit", removeSpareFifos);

/** set once `mkfifo` failed: this process then gives scripts Node's own pipes */
let unavailable = false;

async function takeFifos(): Promise<{ dir: string; paths: [string, string] } | undefined> {
  for (;;) {
    if (unavailable) return undefined;
    if (pool.length <= BATCH / 2 && !refilling) {
      refilling = refill()
        .catch(() => void (unavailable = true))
        .finally(() => (refilling = undefined));
    }
    if (pool.length) return pool.shift()!;
    await refilling;
  }
}

function taken(dir: string, paths: [string, string]): void {
  for (const path of paths) unlinkSync(path);
  const count = (left.get(dir) ?? 1) - 1;
  if (count > 0) return void left.set(dir, count);
  left.delete(dir);
  void rmdir(dir).catch(() => undefined);
}

/**
 * Node gives a child socket pairs for "pipe": a script that opens its output by name
 * (`echo x >> /dev/stderr`, `tee /dev/stdout`, as Kestra's bash-warning.yaml does) fails with
 * "No such device or address", where Kestra's processes (and Deno's children) get real pipes.
 * So under Node a script writes to two FIFOs, unlinked once opened (only the open ends keep
 * them), read without blocking; anywhere they cannot be made, Node's own pipes.
 */
export async function outputPipes(): Promise<OutputPipes> {
  const own: OutputPipes = { stdio: ["pipe", "pipe"], spawned: () => undefined, readers: (child) => [child.stdout!, child.stderr!], dispose: () => undefined };
  if ("Deno" in globalThis) return own;
  const opened: number[] = [];
  try {
    const fifos = await takeFifos();
    if (!fifos) return own;
    const { dir, paths } = fifos;
    try {
      // the read ends first (a non-blocking open of a FIFO needs no writer), then the write ends
      const read = paths.map((path) => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
      opened.push(...read);
      const write = paths.map((path) => openSync(path, constants.O_WRONLY));
      opened.push(...write);
      const readers = read.map((fd) => new Socket({ fd, readable: true, writable: false })) as [Socket, Socket];
      let closed = false;
      const spawned = () => {
        if (closed) return;
        closed = true;
        for (const fd of write) closeSync(fd);
      };
      return {
        stdio: [write[0], write[1]],
        spawned,
        readers: () => readers,
        dispose: () => {
          spawned();
          for (const reader of readers) reader.destroy();
        },
      };
    } finally {
      taken(dir, paths);
    }
  } catch {
    for (const fd of opened) closeSync(fd);
    return own;
  }
}
