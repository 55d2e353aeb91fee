import type { FlowablePlan, TaskRunRecord } from "@ferry/sdk";

/**
 * What earlier walks learnt of a running flowable's branches, so that a walk costs the
 * branches that may still change rather than all of them: a ForEach over 100,000 values is
 * walked on each of its 200,000-odd events (issue #18).
 *
 * It hangs on the task run's record, so it lives exactly as long as the records this
 * executor keeps between events (SavedExecutions): an execution read again from the
 * repository (after a conflict, a restart, a kill, a failed event) starts with none, and
 * the first walk learns it again from the whole plan.
 */
export interface BranchProgress {
  /** the plan the flowable wrote when it started; it never changes */
  plan: FlowablePlan;
  /** branches [0, done) ended, or have only disabled tasks: nothing changes them any more */
  done: number;
  /** what those branches add to the flowable's state */
  warning: boolean;
  failed?: "failed" | "killed";
  /**
   * No branch has `dependsOn`, so branches start in plan order: none at or past `frontier`
   * has started, and a walk looks at that suffix only as far as it starts branches. A plan
   * with `dependsOn` keeps `frontier` at its end.
   */
  inOrder: boolean;
  frontier: number;
}

const progress = new WeakMap<TaskRunRecord, BranchProgress>();

export async function branchProgressOf(run: TaskRunRecord, readPlan: () => Promise<FlowablePlan>): Promise<BranchProgress> {
  let known = progress.get(run);
  if (!known) {
    const plan = await readPlan();
    known = { plan, done: 0, warning: false, inOrder: plan.branches.every((b) => !b.dependsOn?.length), frontier: plan.branches.length };
    progress.set(run, known);
  }
  return known;
}
