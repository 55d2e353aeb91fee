import type { TaskSpec } from "@ferry/core";
import type { TaskRunState } from "@ferry/sdk";

/**
 * The state a task run ends in once its own result is known, as Kestra's worker and
 * FlowableUtils decide it: `allowFailure` turns a failure into WARNING, `allowWarning`
 * turns a WARNING (also one that came from allowFailure) into SUCCESS. A KILLED run stays
 * KILLED. `tolerated` is a flowable that lets its children fail (Kestra's AllowFailure).
 */
export function outcomeState(task: Pick<TaskSpec, "allowFailure" | "allowWarning"> | undefined, state: TaskRunState, tolerated = false): TaskRunState {
  let result = state;
  if (result === "FAILED" && (task?.allowFailure || tolerated)) result = "WARNING";
  if (result === "WARNING" && task?.allowWarning) result = "SUCCESS";
  return result;
}
