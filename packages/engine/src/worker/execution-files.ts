import { storageKeyOf, toStorageUri, UserError, type ExecutionFilesAccess, type ExecutionRecord, type Repository, type Storage } from "@ferry/sdk";
import { filesPrefix, recordsPrefix } from "../storage-keys.js";

/** an execution's children more than this deep are left alone (a subflow chain is bounded far below it) */
const MAX_DEPTH = 50;

/**
 * RunContext.executionFiles: an execution's files are its FILE inputs (`inputs/`) and what its
 * tasks stored (`files/`), under its files prefix. Its records (inputs.json, task outputs,
 * plans) sit beside them and stay: the execution still runs on them, where Kestra keeps them
 * in its database.
 */
export function executionFilesAccess(storage: Storage, repository: () => Promise<Repository>, executionId: string): ExecutionFilesAccess {
  return {
    async delete(uri) {
      const key = storageKeyOf(uri);
      const found = await (await repository()).getExecution(executionId);
      if (!found || !fileFolders(found.execution).some((folder) => key.startsWith(folder))) {
        throw new UserError(`${uri} is not a file of execution ${executionId}: a task deletes only its own execution's files`, { status: 403 });
      }
      return storage.delete(key);
    },
    async purge(options = {}) {
      const repo = await repository();
      const removed: string[] = [];
      const visit = async (id: string, depth: number) => {
        const found = await repo.getExecution(id);
        if (!found) return;
        for (const folder of fileFolders(found.execution)) {
          for (const key of await storage.list(folder)) if (await storage.delete(key)) removed.push(toStorageUri(key));
        }
        if (!options.children || depth >= MAX_DEPTH) return;
        for (const run of found.taskRuns) if (run.subflowExecutionId) await visit(run.subflowExecutionId, depth + 1);
      };
      await visit(executionId, 0);
      return removed;
    },
  };
}

/** where an execution's files live (its records sit beside them, in neither folder) */
function fileFolders(execution: ExecutionRecord): string[] {
  const prefixes = new Set([filesPrefix(execution), recordsPrefix(execution)]);
  return [...prefixes].flatMap((prefix) => [`${prefix}/files/`, `${prefix}/inputs/`]);
}
