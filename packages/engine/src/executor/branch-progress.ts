import type { FlowablePlan, TaskRunRecord } from "@ferry/sdk";

/**
 * What earlier walks learnt of a running flowable's branches, so that a walk costs what
 * changed since the last one rather than all the branches: a ForEach over 100,000 values is
 * walked on each of its 200,000-odd events (issue #18).
 *
 * It hangs on the task run's record, so it lives exactly as long as the records this
 * executor keeps between events (SavedExecutions): an execution read again from the
 * repository (after a conflict, a restart, a kill, a failed event) starts with none, and
 * the first walk learns it again from the whole plan. It relies on every change to a task
 * run going through ExecutionState.touch (the event's `dirty` runs), as saving does.
 */
export interface BranchProgress {
  /** the plan the flowable wrote when it started; its branches never change (a Pause rewrites its wait, so the walker reads it afresh) */
  plan: FlowablePlan;
  /**
   * No branch has `dependsOn`, so branches start in plan order. Only such plans are
   * learnt; a plan with `dependsOn` (a Dag, a few branches) is walked whole each time.
   */
  inOrder: boolean;
  learnt?: LearntBranches;
}

export interface LearntBranches {
  /** started branches that had not ended at the last walk */
  open: OpenBranches;
  /** open branches walked without leave to start while no earlier branch had failed: walked again once they may */
  held: Set<number>;
  /** branches below the frontier that had not started (a Dag-free plan rarely has any) */
  holes: number[];
  /** no branch at or past it has started */
  frontier: number;
  /** what the ended branches add to the flowable's state: a warning, the first failure in plan order */
  warning: boolean;
  failedAt?: { index: number; status: "failed" | "killed" };
  /** the branch a direct child task run belongs to, by its task id and then its value; made on first need, and only for a plan whose values do not each name one branch (valuePlaces) */
  byChild?: Map<string, Map<string, number>>;
}

/**
 * A set of branch indexes as a byte per branch of the plan: all of a ForEach's branches may be
 * open at once, and a Map held ~30 bytes an open branch (1.8 MB at 60,000: issue #18.1, Round 10).
 */
export class OpenBranches {
  private flags: Uint8Array;
  size = 0;

  constructor(branches: number) {
    this.flags = new Uint8Array(branches);
  }

  has(index: number): boolean {
    return this.flags[index] === 1;
  }

  add(index: number): void {
    if (this.flags[index] === 1) return;
    if (index >= this.flags.length) {
      // a plan read afresh may have grown (a loop's): out-of-range writes to a typed array are dropped
      const grown = new Uint8Array(Math.max(index + 1, this.flags.length * 2));
      grown.set(this.flags);
      this.flags = grown;
    }
    this.flags[index] = 1;
    this.size++;
  }

  delete(index: number): void {
    if (this.flags[index] !== 1) return;
    this.flags[index] = 0;
    this.size--;
  }
}

const progress = new WeakMap<TaskRunRecord, BranchProgress>();

export async function branchProgressOf(run: TaskRunRecord, readPlan: () => Promise<FlowablePlan>): Promise<BranchProgress> {
  let known = progress.get(run);
  if (!known) {
    const plan = sharedPaths(await readPlan());
    known = { plan, inOrder: plan.branches.every((b) => !b.dependsOn?.length) };
    progress.set(run, known);
  }
  return known;
}

/** a loop dropped an iteration's task runs: what was learnt of them no longer holds */
export function forgetProgress(run: TaskRunRecord): void {
  progress.delete(run);
}

/** what an earlier walk learnt of a flowable's plan, if any (read without waiting: rendering is synchronous there) */
export function knownPlan(run: TaskRunRecord): FlowablePlan | undefined {
  return progress.get(run)?.plan;
}

/**
 * The plan with each run of branches naming the same task list holding one `path` array: a
 * ForEach's branches all name its `tasks`, and a plan read back from storage gives each its own
 * array (~50 bytes a value, held while the ForEach runs: issue #18.1). Paths are only read.
 */
export function sharedPaths(plan: FlowablePlan): FlowablePlan {
  let last: string[] | undefined;
  for (const branch of plan.branches) {
    if (last && last.length === branch.path.length && last.every((part, i) => part === branch.path[i])) branch.path = last;
    else last = branch.path;
  }
  return plan;
}

/**
 * Each value's first place among a plan's branches (its branches never change), one map per
 * plan: `taskrun.iteration` reads it for every task run of a ForEach (a scan of the branches
 * made the whole loop quadratic, issue #18), and a walk finds the branch of a changed run by
 * it (branch-walk.ts) — a second map by value, per task, held 3.5 MB at 60,000 values.
 */
const places = new WeakMap<FlowablePlan, Map<string, number>>();

export function valuePlaces(plan: FlowablePlan): Map<string, number> {
  let known = places.get(plan);
  if (!known) {
    known = new Map();
    plan.branches.forEach((branch, index) => {
      if (branch.value !== undefined && !known!.has(branch.value)) known!.set(branch.value, index);
    });
    places.set(plan, known);
  }
  return known;
}
