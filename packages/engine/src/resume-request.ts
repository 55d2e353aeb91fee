import { findTask, resolveExecutionInputs, type Callable, type Flow, type PluginRegistry } from "@ferry/core";
import { ConflictError, isStorageUri, storageKeyOf, UserError, type ExecutionRecord, type TaskRunRecord } from "@ferry/sdk";
import type { ExecutorEvent } from "./messages.js";
import { onResumeOf } from "./executor/pause.js";

/**
 * What a resume asks of the executor, checked as Kestra's ExecutionService.validateForResume
 * does: the execution must be PAUSED (409 naming its state), and the given values are typed
 * against the first paused task run's `onResume` inputs (422 naming the input), before
 * anything changes. The executor checks again under the execution's lock.
 */
export async function resumeCommand(
  found: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] },
  flow: Flow,
  registry: PluginRegistry,
  given: Record<string, unknown>,
  options: {
    functions?: Record<string, Callable>;
    /** where a FILE input given as a `ferry://` URI may point (this execution's files, its namespace's); anywhere when absent */
    filePrefixes?: string[];
  } = {},
): Promise<Extract<ExecutorEvent, { type: "resume" }>> {
  const { execution, taskRuns } = found;
  if (execution.state.current !== "PAUSED") throw new ConflictError(`execution ${execution.id} is ${execution.state.current}; only a PAUSED execution is resumed`);
  // a Pause (a task taking onResume inputs) before a loop waiting its interval, which is PAUSED too but never resumed (the executor answers 409 for it)
  const resumable = (r: TaskRunRecord) => {
    const spec = findTask([flow.tasks, flow.errors, flow.finally, flow.afterExecution], r.taskId, registry);
    const def = spec && registry.task(spec.type);
    return def?.kind === "flowable" && def.pausedBy !== "review" && Boolean(def.inputProperties?.length);
  };
  // an Approval is reviewed, never resumed: a Pause beside it is the one resumed
  const reviewed = (r: TaskRunRecord) => {
    const spec = findTask([flow.tasks, flow.errors, flow.finally, flow.afterExecution], r.taskId, registry);
    const def = spec && registry.task(spec.type);
    return def?.kind === "flowable" && def.pausedBy === "review";
  };
  const pausedRuns = taskRuns.filter((r) => r.state.current === "PAUSED");
  const paused = pausedRuns.find(resumable) ?? pausedRuns.find((r) => !reviewed(r)) ?? pausedRuns[0];
  if (!paused) throw new ConflictError(`execution ${execution.id} has no paused task run to resume`);
  const specs = onResumeOf(findTask([flow.tasks, flow.errors, flow.finally, flow.afterExecution], paused.taskId, registry));
  const unknown = Object.keys(given).filter((key) => !(specs ?? []).some((s) => s.id === key));
  if (unknown.length) {
    throw new UserError(`task '${paused.taskId}' has no onResume input ${unknown.map((k) => `'${k.slice(0, 100)}'`).join(", ")}`, {
      status: 422,
      errors: unknown.map((key) => ({ path: `inputs.${key.slice(0, 100)}`, message: `no such onResume input of task '${paused.taskId}'` })),
    });
  }
  const onResume = specs?.length
    ? await resolveExecutionInputs(specs, given, { flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision }, execution: { id: execution.id }, functions: options.functions }).catch((error: unknown) => {
        if (error instanceof UserError) throw new UserError(error.message.replace(/^invalid inputs/, "invalid onResume inputs"), { status: 422, errors: error.errors, cause: error });
        throw error;
      })
    : undefined;
  for (const spec of specs ?? []) {
    const value = onResume?.[spec.id];
    if (spec.type !== "FILE" || !isStorageUri(value) || !options.filePrefixes) continue;
    if (!options.filePrefixes.some((prefix) => storageKeyOf(value).startsWith(prefix))) {
      throw new UserError(`onResume input ${spec.id}: ${value} is not a file of this execution or of its namespace's files`, { status: 422 });
    }
  }
  return { type: "resume", executionId: execution.id, taskRunId: paused.id, ...(onResume ? { onResume } : {}) };
}
