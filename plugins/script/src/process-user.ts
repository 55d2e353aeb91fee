import { OperationalError, UserError, type ProcessUser } from "@ferry/sdk";
import { chmod, lchown, lstat, readdir, realpath, unlink } from "node:fs/promises";
import { join, relative, sep } from "node:path";

/** a directory's entries, top-down, each before what it holds: a directory is re-owned before it is listed */
async function walk(dir: string, visit: (path: string) => Promise<void>): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    await visit(path);
    if (entry.isDirectory()) await walk(path, visit);
  }
}

/** the working folder, and what Ferry placed in it, given to the user the task's processes run as */
export async function handOver(dir: string, user: ProcessUser): Promise<void> {
  await lchown(dir, user.uid, user.gid);
  await walk(dir, (path) => lchown(path, user.uid, user.gid));
}

/**
 * The working folder taken back by the worker once the processes have exited, before it
 * reads anything in it (output files, results). First everything is owned by the worker
 * again and writable by it alone (no setuid, setgid or sticky bit left), top-down, so a
 * process that outlived its group can change nothing any more. Then what could make the
 * worker — root — read a file for the user is removed: a symbolic link leading out of the
 * folder (`ln -s /proc/<worker>/environ out.txt`), and a file the user does not own (a hard
 * link to someone else's file, where fs.protected_hardlinks is off). Returns what was
 * removed, relative to the folder.
 */
export async function takeBack(dir: string, user: ProcessUser): Promise<string[]> {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const removed: string[] = [];
  const secure = async (path: string) => {
    const stat = await lstat(path);
    if (!stat.isDirectory() && stat.uid !== user.uid) {
      // not the user's, so not to be re-owned either: it is someone else's file
      await unlink(path);
      removed.push(relative(dir, path));
      return;
    }
    await lchown(path, uid, gid);
    if (!stat.isSymbolicLink()) await chmod(path, stat.mode & 0o755);
  };
  await secure(dir);
  await walk(dir, secure);
  const root = await realpath(dir);
  await walk(dir, async (path) => {
    if (!(await lstat(path)).isSymbolicLink()) return;
    const target = await realpath(path).catch(() => undefined);
    if (target === undefined || (target !== root && !target.startsWith(`${root}${sep}`))) {
      await unlink(path);
      removed.push(relative(dir, path));
    }
  });
  return removed;
}

/** why a process could not start as `user`, for the task's error */
export function spawnError(command: string, user: ProcessUser, error: NodeJS.ErrnoException): Error {
  const as = `cannot start ${command} as user ${user.name} (${user.uid}:${user.gid}, worker.processUser)`;
  if (error.code === "EPERM") return new UserError(`${as}: the worker must run as root to start processes as another user`, { cause: error });
  if (error.code === "EACCES") {
    return new UserError(`${as}: ${error.message}; its working folder, and every folder above it (TMPDIR), must be reachable by that user`, { cause: error });
  }
  return startError(as, error);
}

/** a process that did not start: a program this worker lacks or may not run is the task's to fix; anything else (no memory, too many processes) may pass */
export function startError(what: string, error: NodeJS.ErrnoException): Error {
  if (error.code === "ENOENT" || error.code === "EACCES" || error.code === "ENOTDIR") {
    return new UserError(`${what}: ${error.message} (no such program on this worker, or not one it may run)`, { cause: error });
  }
  return new OperationalError(`${what}: ${error.message}`, { cause: error });
}
