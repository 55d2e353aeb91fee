import { tasksAtPath, type PluginRegistry, type TaskSpec } from "@ferry/core";
import { isTerminal, type TaskRunRecord } from "@ferry/sdk";
import { OpenBranches, valuePlaces, type BranchProgress, type LearntBranches } from "./branch-progress.js";
import type { ExecutionState } from "./execution-state.js";
import { sliceFull } from "./creation-slice.js";
import type { ListStatus } from "./walker.js";

/** what walking a flowable's branches needs of the walker */
export interface BranchWalker {
  readonly state: ExecutionState;
  /** finds the task lists a flowable makes itself */
  readonly registry: PluginRegistry;
  walkList(tasks: TaskSpec[], parentId: string, value: string | undefined, mayStart: boolean): Promise<ListStatus>;
}

interface Branch {
  index: number;
  tasks: TaskSpec[];
  value?: string;
  dependsOn?: string[];
}

const branchAt = (w: BranchWalker, task: TaskSpec, run: TaskRunRecord, progress: BranchProgress, index: number): Branch => {
  const branch = progress.plan.branches[index];
  return { index, tasks: tasksAtPath(task, branch.path, w.registry), value: branch.value, dependsOn: branch.dependsOn };
};
const onlyDisabled = (branch: Branch) => branch.tasks.every((t) => t.disabled);

/**
 * The branches of a flowable: starts what may start (within its concurrency, once a
 * branch's `dependsOn` siblings ended), and answers their joint status. A failure stops
 * new branches; those running go on to their end. A plan whose branches start in order is
 * walked whole once, then only where its task runs changed (BranchProgress).
 */
export async function walkBranches(w: BranchWalker, task: TaskSpec, run: TaskRunRecord, progress: BranchProgress, mayStart: boolean): Promise<ListStatus> {
  if (progress.learnt) return walkLearnt(w, task, run, progress, progress.learnt, mayStart);
  return walkWhole(w, task, run, progress, mayStart);
}

/** every branch, looked at one by one; learns an in-order plan on the way */
async function walkWhole(w: BranchWalker, task: TaskSpec, run: TaskRunRecord, progress: BranchProgress, mayStart: boolean): Promise<ListStatus> {
  const { plan } = progress;
  let running = 0;
  let failed: "failed" | "killed" | undefined;
  let warning = false;
  const pending: Branch[] = [];
  const walked = new Map<number, { status: ListStatus; given: boolean }>();
  const tally = (branch: Branch, status: ListStatus, given: boolean) => {
    walked.set(branch.index, { status, given });
    if (status === "running") running++;
    else if (status === "failed" || status === "killed") failed ??= status;
    else if (status === "warning") warning = true;
  };
  const started = (branch: Branch) => branch.tasks.some((t) => w.state.find(t.id, run.id, branch.value));
  for (let index = 0; index < plan.branches.length; index++) {
    const branch = branchAt(w, task, run, progress, index);
    if (!started(branch)) {
      if (!onlyDisabled(branch)) pending.push(branch);
      continue;
    }
    const given = mayStart && !failed;
    tally(branch, await w.walkList(branch.tasks, run.id, branch.value, given), given);
  }
  // a disabled dependency never runs: as in Kestra, which drops disabled tasks, it holds nothing back
  const ended = (taskId: string) => {
    const dependency = w.state.find(taskId, run.id, undefined);
    return dependency ? isTerminal(dependency.state.current) : pending.every((b) => b.tasks.every((t) => t.id !== taskId || t.disabled));
  };
  if (!failed && mayStart) {
    for (const branch of pending) {
      if (plan.concurrency > 0 && running >= plan.concurrency) break;
      if (branch.dependsOn && !branch.dependsOn.every(ended)) continue;
      // this event's slice of new task runs is made: the rest start in the next (creation-slice.ts)
      if (sliceFull(w.state)) break;
      tally(branch, await w.walkList(branch.tasks, run.id, branch.value, true), true);
    }
  }
  const notStarted = pending.filter((b) => !started(b));
  if (progress.inOrder) {
    const learnt: LearntBranches = { open: new OpenBranches(plan.branches.length), held: new Set(), holes: [], frontier: 0, warning: false };
    // a branch the walk could not start (the execution ended meanwhile) is still to start
    const unstarted = new Set(notStarted.map((b) => b.index));
    for (const [index, { status, given }] of walked) if (!unstarted.has(index)) learn(learnt, index, status, given);
    learnt.holes = notStarted.filter((b) => b.index < learnt.frontier).map((b) => b.index);
    progress.learnt = learnt;
  }
  if (running > 0 || (!failed && notStarted.length)) return "running"; // killing (no start): the kill pass ends it
  return failed ?? (warning ? "warning" : "success");
}

/**
 * An in-order plan walked before: only the open branches whose task runs changed in this
 * event (or that may now start tasks they could not), then new branches from the frontier
 * as far as the concurrency allows. The cost is the change's, not the plan's.
 */
async function walkLearnt(w: BranchWalker, task: TaskSpec, run: TaskRunRecord, progress: BranchProgress, learnt: LearntBranches, mayStart: boolean): Promise<ListStatus> {
  const { plan } = progress;
  const failedBefore = (index: number) => learnt.failedAt !== undefined && learnt.failedAt.index < index;
  const again = new Set<number>();
  for (const changed of w.state.dirty) {
    const index = branchOfRun(w, task, run, progress, learnt, changed);
    if (index !== undefined && learnt.open.has(index)) again.add(index);
  }
  if (mayStart) {
    for (const index of learnt.held) {
      // a failure before it never goes away: such a branch is never given leave again
      if (failedBefore(index)) learnt.held.delete(index);
      else again.add(index);
    }
  }
  for (const index of [...again].sort((a, b) => a - b)) {
    const branch = branchAt(w, task, run, progress, index);
    const given = mayStart && !failedBefore(index);
    learn(learnt, index, await w.walkList(branch.tasks, run.id, branch.value, given), given);
  }
  // a branch that could not start (the execution ended during this walk) counts as running, as in a whole walk
  let unstarted = 0;
  const full = () => plan.concurrency > 0 && learnt.open.size + unstarted >= plan.concurrency;
  const start = async (branch: Branch): Promise<boolean> => {
    const status = await w.walkList(branch.tasks, run.id, branch.value, true);
    if (!branch.tasks.some((t) => w.state.find(t.id, run.id, branch.value))) {
      unstarted++;
      return false;
    }
    learn(learnt, branch.index, status, true);
    return true;
  };
  if (!learnt.failedAt && mayStart) {
    for (const index of [...learnt.holes]) {
      if (full() || sliceFull(w.state)) break;
      if (await start(branchAt(w, task, run, progress, index))) learnt.holes = learnt.holes.filter((i) => i !== index);
    }
    for (let branch = nextToStart(w, task, run, progress, learnt); branch && !full() && !sliceFull(w.state); branch = nextToStart(w, task, run, progress, learnt)) {
      if (!(await start(branch))) break;
    }
  }
  const stillPending = learnt.holes.length > 0 || nextToStart(w, task, run, progress, learnt) !== undefined;
  const failed = learnt.failedAt?.status;
  if (learnt.open.size + unstarted > 0 || (!failed && stillPending)) return "running";
  return failed ?? (learnt.warning ? "warning" : "success");
}

/** records a branch's status from a walk: open while it runs, its part in the flowable's state once it ended */
function learn(learnt: LearntBranches, index: number, status: ListStatus, given: boolean): void {
  if (index >= learnt.frontier) learnt.frontier = index + 1;
  if (status === "running") {
    learnt.open.add(index);
    if (given) learnt.held.delete(index);
    else learnt.held.add(index);
    return;
  }
  learnt.open.delete(index);
  learnt.held.delete(index);
  if (status === "warning") learnt.warning = true;
  if ((status === "failed" || status === "killed") && (!learnt.failedAt || index < learnt.failedAt.index)) learnt.failedAt = { index, status };
}

/** the first branch past the frontier with a task to run; the frontier moves past those without */
function nextToStart(w: BranchWalker, task: TaskSpec, run: TaskRunRecord, progress: BranchProgress, learnt: LearntBranches): Branch | undefined {
  for (; learnt.frontier < progress.plan.branches.length; learnt.frontier++) {
    const branch = branchAt(w, task, run, progress, learnt.frontier);
    if (!onlyDisabled(branch)) return branch;
  }
  return undefined;
}

/**
 * The ids of the tasks at a branch path, by the path array: a ForEach's branches share one
 * (sharedPaths), so one set serves every result, where tasksAtPath made its lists anew each time.
 */
const idsAtPath = new WeakMap<string[], Set<string>>();

function taskIdsAt(w: BranchWalker, task: TaskSpec, path: string[]): Set<string> {
  let ids = idsAtPath.get(path);
  if (!ids) idsAtPath.set(path, (ids = new Set(tasksAtPath(task, path, w.registry).map((t) => t.id))));
  return ids;
}

/** the branch a task run below the flowable belongs to: that of its ancestor directly under the flowable */
function branchOfRun(w: BranchWalker, task: TaskSpec, flowable: TaskRunRecord, progress: BranchProgress, learnt: LearntBranches, changed: TaskRunRecord): number | undefined {
  let child: TaskRunRecord | undefined = changed;
  while (child && child.parentTaskRunId !== flowable.id) child = child.parentTaskRunId ? w.state.byId(child.parentTaskRunId) : undefined;
  if (!child) return undefined;
  const places = valuePlaces(progress.plan);
  if (child.value !== undefined && places.size === progress.plan.branches.length) {
    // every branch has a value of its own (a ForEach): its value names the branch
    const index = places.get(child.value);
    return index !== undefined && taskIdsAt(w, task, progress.plan.branches[index].path).has(child.taskId) ? index : undefined;
  }
  if (!learnt.byChild) {
    // by task id, then value: the plan's value strings are the keys (a key joined per branch and task was a string each, ~20 MB at 100,000 values)
    const byChild = (learnt.byChild = new Map());
    for (let index = 0; index < progress.plan.branches.length; index++) {
      const branch = branchAt(w, task, flowable, progress, index);
      for (const t of branch.tasks) {
        let byValue = byChild.get(t.id);
        if (!byValue) byChild.set(t.id, (byValue = new Map()));
        byValue.set(branch.value ?? "", index);
      }
    }
  }
  return learnt.byChild.get(child.taskId)?.get(child.value ?? "");
}
