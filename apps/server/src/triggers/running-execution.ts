import type { ExecutionState, Repository, TriggerRef } from "@ferry/sdk";

const UNENDED: ExecutionState[] = ["CREATED", "RUNNING", "PAUSED", "PAUSING", "KILLING", "QUEUED", "RESTARTED"];
/** how many of the flow's unended executions are looked through for the trigger's own */
const UNENDED_LOOKED_AT = 1000;

/**
 * Whether an execution this trigger started has not ended yet. Kestra's scheduler locks a Schedule or
 * polling trigger while the execution it started runs (AbstractTrigger.allowConcurrent false, the
 * default): it is not evaluated until that execution ends.
 */
export async function triggerHasRunningExecution(repository: Repository, ref: TriggerRef): Promise<boolean> {
  const page = await repository.searchExecutions({ namespace: ref.namespace, flowId: ref.flowId, state: UNENDED, kind: "NORMAL", page: 1, size: UNENDED_LOOKED_AT });
  return page.results.some((e) => e.trigger?.id === ref.triggerId);
}
