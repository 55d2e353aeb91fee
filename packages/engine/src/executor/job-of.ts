import { writtenDoubles, type PluginRegistry, type TaskSpec } from "@ferry/core";
import type { ExecutionRecord, TaskRunRecord } from "@ferry/sdk";
import type { WorkerJob } from "../messages.js";
import { recordsPrefix } from "../storage-keys.js";
import { contextRefOf, sharedContextRef } from "./context-ref.js";
import type { ExecutionState } from "./execution-state.js";
import { outputNeedsOf } from "./output-needs.js";
import { isSharedFolder, sharedFolderJob } from "./shared-folder.js";

/** the job of a task run's current attempt, as a worker takes it */
export function jobOf(state: ExecutionState, run: TaskRunRecord, taskOf: (run: TaskRunRecord) => TaskSpec | undefined, registry: PluginRegistry): WorkerJob {
  const task = taskOf(run);
  return {
    ...(isSharedFolder(task, registry) ? { sharedFolder: sharedFolderJob(state, run, task!, taskOf) } : {}),
    executionId: state.execution.id,
    taskRunId: run.id,
    attempt: run.attempts.length - 1,
    task: task!,
    ...doublesOf(task, isSharedFolder(task, registry)),
    taskrun: state.taskRunVariables(run, run.attempts.length - 1),
    context: sharedContextRef(state, contextRefOf(state, outputNeedsOf(task), run, task)),
    ...prefixesOf(state.execution),
  };
}

/** the last execution's prefixes, one string each for all its jobs (built anew per job they were two strings per queued job) */
let prefixes: { id: string; storagePrefix?: string; pair: { recordsPrefix: string; filesPrefix: string } } | undefined;

function prefixesOf(execution: ExecutionRecord): { recordsPrefix: string; filesPrefix: string } {
  // an execution's namespace and flow never change: its id and storage prefix say which prefixes it has
  if (prefixes && prefixes.id === execution.id && prefixes.storagePrefix === execution.storagePrefix) return prefixes.pair;
  const records = recordsPrefix(execution);
  prefixes = { id: execution.id, storagePrefix: execution.storagePrefix, pair: { recordsPrefix: records, filesPrefix: execution.storagePrefix ?? records } };
  return prefixes.pair;
}

/**
 * Where the flow wrote a whole float in a task (core's writtenDoubles), for its job: a
 * WorkingDirectory's job carries its children's too, under `tasks.<index>`, since they run
 * from it on the worker (each parsed task holds its own).
 */
function doublesOf(task: TaskSpec | undefined, sharedFolder: boolean): { doubles?: Array<Array<string | number>> } {
  if (!task) return {};
  const doubles = [...(writtenDoubles(task) ?? [])];
  if (sharedFolder) ((task.tasks ?? []) as TaskSpec[]).forEach((child, i) => doubles.push(...(writtenDoubles(child) ?? []).map((path) => ["tasks", i, ...path])));
  return doubles.length ? { doubles } : {};
}
