import type { TaskSpec } from "@ferry/core";
import { storageKeyOf, type TaskRunRecord } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { forgetEndedBatches, isBatchRun } from "./batch-subflows.js";
import { newState, type ExecutionState } from "./execution-state.js";

/**
 * Kestra's ExecutableTask.RestartBehavior, on a restart of the parent execution. With
 * RETRY_FAILED (the default) a failed Subflow task run restarts its failed child execution
 * itself, and a ForEachItem's `_items` run restarts only its failed batches' executions
 * (ExecutableUtils.subflowExecution finds them and calls ExecutionService.restart); the run
 * waits for them again. NEW_EXECUTION (or nothing failed to restart) starts anew: the caller
 * drops the run and the walk starts new child executions.
 *
 * Answers whether the run waits on restarted children; those are in `state.childRestarts`,
 * restarted once this state is saved (so a child never ends before its parent waits for it).
 */
export async function retryFailedChildren(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, store: JsonStore): Promise<boolean> {
  if (!run.subflowExecutionId || (task?.restartBehavior ?? "RETRY_FAILED") !== "RETRY_FAILED") return false;
  let failed: string[];
  if (await isBatchRun(state, run, store)) {
    failed = await forgetEndedBatches(state, run, store, (ended) => ended === "FAILED" || ended === "KILLED");
  } else {
    // the child that ended last (a child retried in a new execution answers under its own id)
    const outputs = run.outputsUri && (await store.storage.exists(storageKeyOf(run.outputsUri))) ? await store.read<{ executionId?: string; state?: string }>(run.outputsUri) : undefined;
    failed = outputs?.executionId && (outputs.state === "FAILED" || outputs.state === "KILLED") ? [outputs.executionId] : [];
  }
  if (!failed.length) return false;
  run.attempts.push({ state: newState("RUNNING") });
  state.setRunState(run, "RUNNING");
  for (const executionId of failed) state.childRestarts.push({ executionId, taskRunId: run.id });
  state.log("INFO", `restarting ${failed.length} failed subflow execution${failed.length > 1 ? "s" : ""}: ${failed.join(", ")}`, run);
  return true;
}
