import { renderValue, type RenderContext, type TaskSpec } from "@ferry/core";
import { ConflictError, isTerminal, parseDuration, UserError, type ApprovalDecision, type FlowableApproval, type FlowablePlan, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { planKey, recordsPrefix, rewrittenKey, taskOutputsKey } from "../storage-keys.js";
import { forgetProgress } from "./branch-progress.js";
import type { ExecutionState } from "./execution-state.js";
import { leavePause } from "./pause.js";

/**
 * Kestra's Approval in the executor. Its task run runs `onWait` (its plan's first branches),
 * then waits PAUSED — its execution too — for a review (the API: `reviewApproval`) or, with a
 * `timeout`, for its expiry (a wake-up, `checkApprovalExpiry`). The decision is written into
 * its plan with the decision's branch, its outputs say who decided what and when; the walk then
 * runs that branch, `errors` and `finally`, and `applyBehavior` ends it. Everything lives in the
 * plan and the outputs in storage, so a restart loses nothing: the reconciler re-arms the expiry.
 */

/** the plan's approval with its `timeout` rendered: how long the request waits for a review */
export async function withExpiry(approval: FlowableApproval, task: TaskSpec, ctx: RenderContext): Promise<FlowableApproval> {
  if (task.timeout === undefined || approval.decision) return approval;
  const expireMs = parseDuration(String(await renderValue(task.timeout, ctx)));
  if (expireMs < 0) throw new UserError(`timeout ${String(task.timeout)} is negative`);
  return { ...approval, expireMs };
}

/** when the task run last went PAUSED */
const pausedAt = (run: TaskRunRecord) => {
  const last = [...run.state.histories].reverse().find((h) => h.state === "PAUSED");
  return last ? Date.parse(last.date) : undefined;
};

async function outputsOf(run: TaskRunRecord, store: JsonStore): Promise<Record<string, unknown>> {
  return run.outputsUri ? await store.read<Record<string, unknown>>(run.outputsUri) : {};
}

/**
 * An Approval starts its onWait: the execution is PAUSING until every Approval doing so has ended
 * its onWait (ApprovalTest: PAUSING in the history of approval-basic; approval-parallel PAUSED only
 * once both its Approvals wait). Its run id is kept on the execution, so a restarted process knows.
 */
export function enterPausing(state: ExecutionState, run: TaskRunRecord): void {
  const { execution } = state;
  execution.pausing = [...(execution.pausing ?? []).filter((id) => id !== run.id), run.id];
  const current = execution.state.current;
  if (current === "RUNNING" || current === "CREATED") state.setExecutionState("PAUSING");
  else state.executionDirty = true;
}

/**
 * An Approval's onWait ended (it now waits PAUSED, or it failed): once no other Approval runs its
 * onWait, a PAUSING execution goes PAUSED while a task run waits PAUSED, RUNNING otherwise.
 */
export function leavePausing(state: ExecutionState, run: TaskRunRecord): void {
  const { execution } = state;
  if (!execution.pausing?.includes(run.id)) return;
  const rest = execution.pausing.filter((id) => id !== run.id && !isTerminal(state.byId(id)?.state.current ?? "SUCCESS"));
  if (rest.length) execution.pausing = rest;
  else delete execution.pausing;
  state.executionDirty = true;
  if (rest.length || execution.state.current !== "PAUSING") return;
  state.setExecutionState(state.taskRuns.some((r) => r.state.current === "PAUSED") ? "PAUSED" : "RUNNING");
}

/** onWait ended: the task run and its execution go PAUSED, the request's due date (with a timeout) in its outputs, its expiry armed */
export async function waitForReview(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, store: JsonStore): Promise<void> {
  // an afterExecution task: nobody could review an execution that already ended
  if (isTerminal(state.execution.state.current)) throw new Error(`an Approval cannot hold execution ${state.execution.id}: it already ended ${state.execution.state.current}`);
  state.setRunState(run, "PAUSED");
  leavePausing(state, run);
  const current = state.execution.state.current;
  if (current === "RUNNING" || current === "CREATED") state.setExecutionState("PAUSED");
  const expireMs = plan.approval!.expireMs;
  if (expireMs !== undefined) {
    const due = new Date(pausedAt(run)! + expireMs).toISOString();
    run.outputsUri = await store.write(rewrittenKey(taskOutputsKey(recordsPrefix(state.execution), run.taskId, run.id), run.outputsUri), { ...(await outputsOf(run, store)), due });
    state.pauseWakeups.push({ taskRunId: run.id, delayMs: expireMs });
  }
  state.log("INFO", expireMs === undefined ? "waiting for a review" : `waiting for a review until ${new Date(pausedAt(run)! + expireMs).toISOString()}`, run);
}

/** what a review brings */
export interface Review {
  decision: "APPROVED" | "DENIED";
  comment?: string;
  inputs?: Record<string, unknown>;
  by?: string;
}

/** an undecided Approval's task run, PAUSED waiting for its review: its plan, or a 409 saying why not */
export async function pausedApproval(state: ExecutionState, taskRunId: string, store: JsonStore): Promise<{ run: TaskRunRecord; plan: FlowablePlan }> {
  const { execution } = state;
  const run = state.byId(taskRunId);
  if (!run) throw new ConflictError(`execution ${execution.id} has no task run ${taskRunId}`);
  const plan = run.planUri ? await store.read<FlowablePlan>(run.planUri) : undefined;
  if (!plan?.approval) throw new ConflictError(`task run ${taskRunId} (${run.taskId}) of execution ${execution.id} is not an Approval: it cannot be reviewed`);
  if (run.state.current !== "PAUSED" || plan.approval.decision) {
    throw new ConflictError(`task run ${taskRunId} (${run.taskId}) of execution ${execution.id} is not paused: it is ${run.state.current}${plan.approval.decision ? `, already ${plan.approval.decision}` : ""}`);
  }
  if (isTerminal(execution.state.current)) throw new ConflictError(`execution ${execution.id} already ended ${execution.state.current}`);
  return { run, plan };
}

/** the API's review, under the execution's lock: checked again (409), then decided */
export async function reviewApproval(state: ExecutionState, taskRunId: string, task: TaskSpec | undefined, review: Review, store: JsonStore): Promise<void> {
  const { run, plan } = await pausedApproval(state, taskRunId, store);
  state.log("INFO", `${review.decision === "APPROVED" ? "approved" : "denied"}${review.by ? ` by ${review.by}` : ""}${review.comment ? `: ${review.comment}` : ""}`, run);
  await decide(state, run, task, plan, review.decision, store, review);
}

/**
 * A wake-up came, or the reconciler looks again: a PAUSED Approval whose request is due
 * expires; one not yet due is armed again.
 */
export async function checkApprovalExpiry(state: ExecutionState, run: TaskRunRecord, plan: FlowablePlan, task: TaskSpec | undefined, store: JsonStore, woken: boolean): Promise<void> {
  const approval = plan.approval!;
  const since = pausedAt(run);
  if (run.state.current !== "PAUSED" || approval.decision || approval.expireMs === undefined || since === undefined) return;
  const remaining = since + approval.expireMs - Date.now();
  if (remaining > 0) {
    if (woken) state.pauseSettles.push(run.id);
    state.pauseWakeups.push({ taskRunId: run.id, delayMs: remaining });
    return;
  }
  state.log("WARN", "nobody reviewed the request in time: it expired", run);
  await decide(state, run, task, plan, "EXPIRED", store);
}

/** the decision: written into the plan with its branch (none when EXPIRED) and into the outputs; the task run goes on RUNNING */
async function decide(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, plan: FlowablePlan, decision: ApprovalDecision, store: JsonStore, review?: Review): Promise<void> {
  const approval = plan.approval!;
  const path = decision === "APPROVED" ? approval.approvePath : decision === "DENIED" ? approval.denyPath : undefined;
  const branch = path && (task as Record<string, unknown> | undefined)?.[path[0]];
  plan.approval = { ...approval, decision };
  plan.branches = Array.isArray(branch) && branch.length ? [{ path: path! }] : [];
  const prefix = recordsPrefix(state.execution);
  run.planUri = await store.write(rewrittenKey(planKey(prefix, run.taskId, run.id), run.planUri), plan);
  forgetProgress(run);
  const before = await outputsOf(run, store);
  run.outputsUri = await store.write(rewrittenKey(taskOutputsKey(prefix, run.taskId, run.id), run.outputsUri), {
    ...(before.url !== undefined ? { url: before.url } : {}),
    ...(before.due !== undefined ? { due: before.due } : {}),
    decision,
    auto: false,
    ...(review?.by ? { by: review.by } : {}),
    on: new Date().toISOString(),
    ...(review?.comment !== undefined ? { comment: review.comment } : {}),
    ...(review ? { inputs: review.inputs ?? {} } : {}),
  });
  leavePause(state, run);
}

/**
 * Kestra's Approval.applyBehavior and executionLevelOutcome: a decided Approval whose branch
 * ended without error takes its behavior's state; SUCCEED, CANCEL and KILL end the execution
 * too (KILL stops what still runs; with SUCCEED and CANCEL nothing more of the flow's tasks starts,
 * what runs is left to end unheeded, and the flow's `finally` runs before the execution ends).
 */
export function applyBehavior(state: ExecutionState, run: TaskRunRecord, approval: FlowableApproval, branchState: TaskRunState): void {
  const behavior = approval.behaviors[approval.decision!];
  const runState: TaskRunState = { CONTINUE: branchState, WARN: "WARNING", FAIL: "FAILED", SUCCEED: "SUCCESS", CANCEL: "CANCELLED", KILL: "KILLED" }[behavior] as TaskRunState;
  state.setRunState(run, runState);
  if (behavior !== "SUCCEED" && behavior !== "CANCEL" && behavior !== "KILL") return;
  state.log("INFO", `${approval.decision!.toLowerCase()}: the execution ends ${runState} (behavior ${behavior})`, run);
  if (behavior === "KILL") {
    // the kill pass that follows stops what still runs and ends the execution KILLED
    state.setExecutionState("KILLING");
    return;
  }
  for (let p = run.parentTaskRunId ? state.byId(run.parentTaskRunId) : undefined; p; p = p.parentTaskRunId ? state.byId(p.parentTaskRunId) : undefined) {
    if (!isTerminal(p.state.current)) state.setRunState(p, runState);
  }
  // nothing more of the flow's tasks starts; its finally still runs, then the execution ends so (finish.ts)
  state.execution.endsAs = runState === "SUCCESS" ? "SUCCESS" : "CANCELLED";
  state.touch();
}
