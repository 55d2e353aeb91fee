import { spawnSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";

/** where a script's stdout and stderr go: the fds its spawn takes, and the streams the worker reads */
export interface OutputPipes {
  /** the write ends, for spawn's stdio[1] and stdio[2], or "pipe" for Node's own */
  stdio: [number, number] | ["pipe", "pipe"];
  /** once spawned: the parent's copies of the write ends closed, so the readers end when the script's do */
  spawned(): void;
  readers(child: { stdout: Readable | null; stderr: Readable | null }): [Readable, Readable];
}

/**
 * Node gives a child socket pairs for "pipe": a script that opens its output by name
 * (`echo x >> /dev/stderr`, `tee /dev/stdout`, as Kestra's bash-warning.yaml does) fails with
 * "No such device or address", where Kestra's processes (and Deno's children) get real pipes.
 * So under Node a script writes to two FIFOs made for it and unlinked at once (only the open
 * ends keep them), read without blocking; anywhere they cannot be made, Node's own pipes.
 */
export function outputPipes(): OutputPipes {
  const own: OutputPipes = { stdio: ["pipe", "pipe"], spawned: () => undefined, readers: (child) => [child.stdout!, child.stderr!] };
  if ("Deno" in globalThis) return own;
  let dir: string | undefined;
  const opened: number[] = [];
  try {
    dir = mkdtempSync(join(tmpdir(), "ferry-output-"));
    const paths = [join(dir, "stdout"), join(dir, "stderr")];
    if (spawnSync("mkfifo", ["-m", "600", ...paths]).status !== 0) return own;
    // the read ends first (a non-blocking open of a FIFO needs no writer), then the write ends
    const read = paths.map((path) => openSync(path, constants.O_RDONLY | constants.O_NONBLOCK));
    opened.push(...read);
    const write = paths.map((path) => openSync(path, constants.O_WRONLY));
    opened.push(...write);
    const readers = read.map((fd) => new Socket({ fd, readable: true, writable: false })) as [Socket, Socket];
    let closed = false;
    return {
      stdio: [write[0], write[1]],
      spawned: () => {
        if (closed) return;
        closed = true;
        for (const fd of write) closeSync(fd);
      },
      readers: () => readers,
    };
  } catch {
    for (const fd of opened) closeSync(fd);
    return own;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
