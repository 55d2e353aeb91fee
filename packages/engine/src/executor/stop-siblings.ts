import { tasksAtPath, type PluginRegistry, type TaskSpec } from "@ferry/core";
import type { FlowablePlan, TaskRunRecord } from "@ferry/sdk";
import type { ExecutionState } from "./execution-state.js";

/**
 * Whether a branch of a flowable has a task run FAILED: Kestra's Execution.hasFailedNoRetry over
 * the flowable's child tasks (a run waiting for a retry is CREATED or RETRYING, not FAILED;
 * one allowed to fail ends WARNING). Its `errors` and `finally` tasks are not branches.
 */
export function branchFailed(state: ExecutionState, task: TaskSpec, run: TaskRunRecord, plan: FlowablePlan, registry: PluginRegistry): boolean {
  return plan.branches.some((branch) =>
    tasksAtPath(task, branch.path, registry).some((t) => state.find(t.id, run.id, branch.value)?.state.current === "FAILED"),
  );
}
