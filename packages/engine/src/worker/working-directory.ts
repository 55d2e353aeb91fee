import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** a folder a task run uses, and how it goes once the task is done */
export interface WorkingDirectory {
  get(): Promise<string>;
  remove(): Promise<void>;
}

/** a task run's private folder, made when first asked for (most tasks never ask) */
export function lazyWorkingDirectory(prefix = "ferry-task-"): WorkingDirectory {
  let made: Promise<string> | undefined;
  return {
    get: () => (made ??= mkdtemp(join(tmpdir(), prefix))),
    remove: async () => {
      if (made) await rm(await made, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

/** a WorkingDirectory's folder, shared by its children: the WorkingDirectory removes it once they all ran */
export function sharedWorkingDirectory(dir: string): WorkingDirectory {
  return { get: async () => dir, remove: async () => undefined };
}
