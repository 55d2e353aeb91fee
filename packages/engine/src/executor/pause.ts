import { resolveExecutionInputs, type TaskSpec } from "@ferry/core";
import { ConflictError, errorMessage, isTerminal, parseDuration, type FlowablePause, type FlowablePlan, type TaskRunRecord } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { planKey, recordsPrefix, rewrittenKey, taskOutputsKey } from "../storage-keys.js";
import { transition, type ExecutionState } from "./execution-state.js";
import { checkFlowableTimeout, logTimeout } from "./flowable-timeout.js";
import { checkLoopWait, loopWaiting } from "./loop-until.js";
import { outcomeState } from "./task-outcome.js";
import { checkApprovalExpiry } from "./approval.js";

/** the queue id of a paused task run's wake-up: one outstanding at a time, however often it is re-armed */
export const pauseWakeupId = (taskRunId: string) => `pause:${taskRunId}`;

/** what a Pause's `onResume` declares, once parse-flow checked and normalised it */
export const onResumeOf = (task: TaskSpec | undefined) => (task as { onResume?: unknown[] } | undefined)?.onResume as Parameters<typeof resolveExecutionInputs>[0];

/** when the task run went PAUSED (its last PAUSED in history), or started to sleep */
function pausedAt(run: TaskRunRecord, plan: FlowablePlan): number | undefined {
  if (plan.pause?.sleep) return plan.pause.sleep.since ? Date.parse(plan.pause.sleep.since) : undefined;
  const last = [...run.state.histories].reverse().find((h) => h.state === "PAUSED");
  return last ? Date.parse(last.date) : undefined;
}

/** a Sleep that started and has not ended: it waits RUNNING for its wake-up */
const sleeping = (plan: FlowablePlan) => Boolean(plan.pause?.sleep?.since && !plan.pause.sleep.elapsed);

/**
 * Pauses a pausing flowable's task run and its execution (Kestra's handlePausedDelay). Without
 * pauseDuration (or when shorter) the task's `timeout` bounds the pause and fails it once passed;
 * the bound is written into the plan, the date it counts from is the run's PAUSED history, so
 * both live in the repository (and storage) and outlast this process.
 */
export async function pauseRun(state: ExecutionState, run: TaskRunRecord, task: TaskSpec, plan: FlowablePlan, store: JsonStore, renderTimeout: () => Promise<unknown>): Promise<void> {
  // an afterExecution task: nobody could resume an execution that already ended
  const pause = plan.pause!;
  if (!pause.sleep && isTerminal(state.execution.state.current)) throw new Error(`a Pause cannot hold execution ${state.execution.id}: it already ended ${state.execution.state.current}`);
  if (task.timeout !== undefined) {
    // Kestra uses the timeout when there is no pauseDuration; Ferry also when it is the shorter (a task never outlives its timeout)
    const timeoutMs = parseDuration(String(await renderTimeout()));
    if (pause.afterMs === undefined || timeoutMs < pause.afterMs) {
      plan.pause = { ...(pause.sleep ? { sleep: pause.sleep } : {}), afterMs: timeoutMs, onElapsed: "FAILED" };
      run.planUri = await store.write(rewrittenKey(planKey(recordsPrefix(state.execution), task.id, run.id), run.planUri), plan);
    }
  }
  if (plan.pause!.sleep) return startSleep(state, run, task, plan, store);
  state.setRunState(run, "PAUSED");
  const current = state.execution.state.current;
  if (current === "RUNNING" || current === "CREATED") state.setExecutionState("PAUSED");
  const afterMs = plan.pause!.afterMs;
  state.log("INFO", afterMs === undefined ? "paused until resumed" : `paused until resumed, or for ${afterMs} ms at most`, run);
  if (afterMs !== undefined) state.pauseWakeups.push({ taskRunId: run.id, delayMs: afterMs });
}

/** a Sleep starts waiting: RUNNING, its start kept in its plan, its wake-up armed */
async function startSleep(state: ExecutionState, run: TaskRunRecord, task: TaskSpec, plan: FlowablePlan, store: JsonStore): Promise<void> {
  const pause = plan.pause!;
  pause.sleep = { ...pause.sleep!, since: new Date().toISOString() };
  run.planUri = await store.write(rewrittenKey(planKey(recordsPrefix(state.execution), task.id, run.id), run.planUri), plan);
  state.setRunState(run, "RUNNING");
  state.log("INFO", `Waiting for ${pause.sleep.duration}`, run);
  state.pauseWakeups.push({ taskRunId: run.id, delayMs: pause.afterMs! });
}

/** a Sleep's wait passed: it ends (the walk that follows closes it SUCCESS), or its shorter timeout fails it */
async function endSleep(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, plan: FlowablePlan, store: JsonStore): Promise<void> {
  const pause = plan.pause!;
  state.pauseSettles.push(run.id);
  if (pause.onElapsed === "FAILED") {
    logTimeout(state, run, pause.afterMs!);
    state.setRunState(run, outcomeState(task, "FAILED"));
    return;
  }
  pause.sleep = { ...pause.sleep!, elapsed: true };
  run.planUri = await store.write(rewrittenKey(planKey(recordsPrefix(state.execution), run.taskId, run.id), run.planUri), plan);
  // the execution's end is decided (an Approval's CANCEL or SUCCEED): no walk comes any more, the Sleep ends here, as
  // Kestra's worker ends it (ApprovalTest.shouldLetARunningSiblingFinishWhenDenyBehaviorIsCancel)
  if (state.execution.endsAs) state.setRunState(run, outcomeState(task, "SUCCESS"));
  else state.touch(run);
}

/**
 * Ends a task run's pause: resumed (RUNNING, with the onResume outputs), or elapsed with the
 * pause's `onElapsed`. The execution goes RUNNING again once no task run is paused any more.
 */
export async function endPause(
  state: ExecutionState,
  run: TaskRunRecord,
  task: TaskSpec | undefined,
  how: FlowablePause["onElapsed"],
  store: JsonStore,
  onResume?: Record<string, unknown>,
): Promise<void> {
  state.pauseSettles.push(run.id);
  const prefix = recordsPrefix(state.execution);
  if (onResume) run.outputsUri = await store.write(rewrittenKey(taskOutputsKey(prefix, run.taskId, run.id), run.outputsUri), { onResume });
  if (how === "CANCELLED") {
    // Kestra's CANCEL: the execution ends CANCELLED at once; the task run's parents with it
    state.setRunState(run, "CANCELLED");
    for (let p = run.parentTaskRunId ? state.byId(run.parentTaskRunId) : undefined; p; p = p.parentTaskRunId ? state.byId(p.parentTaskRunId) : undefined) state.setRunState(p, "CANCELLED");
    state.log("INFO", "the pause elapsed: execution cancelled (behavior CANCEL)", run);
    state.setExecutionState("CANCELLED");
    return;
  }
  if (how === "FAILED") {
    state.log("ERROR", "the pause elapsed before the execution was resumed", run);
    if (run.planUri && (task?.errors?.length || task?.finally?.length)) {
      // Kestra fails the Pause, then runs its own errors and finally: the walk does both and ends it FAILED (walker.ts)
      const plan = await store.read<FlowablePlan>(run.planUri);
      plan.pause = { ...plan.pause!, failed: true };
      run.planUri = await store.write(rewrittenKey(planKey(prefix, run.taskId, run.id), run.planUri), plan);
      leavePause(state, run);
    } else {
      state.setRunState(run, outcomeState(task, "FAILED"));
      leavePause(state);
    }
    return;
  }
  if ((how === "RUNNING" || how === "WARNING") && (await endsAtOnce(state, run, task, store))) {
    // Kestra's ExecutionService.markAs: "if it's a Pause task with no subtask, we terminate the task" —
    // PAUSED, then SUCCESS (WARNING for a WARN that elapsed), never RUNNING again (PauseTest.runDurationFromInput)
    state.setRunState(run, outcomeState(task, how === "WARNING" ? "WARNING" : "SUCCESS"));
    leavePause(state);
    return;
  }
  if (how === "WARNING" && run.planUri) {
    // the task run ends WARNING at best: remembered in its plan, read when it ends (walker.ts)
    const plan = await store.read<FlowablePlan>(run.planUri);
    plan.pause = { ...plan.pause!, warned: true };
    run.planUri = await store.write(rewrittenKey(planKey(prefix, run.taskId, run.id), run.planUri), plan);
  }
  leavePause(state, run);
}

/**
 * Whether a resumed (or elapsed) Pause ends at once: Kestra's markAs ends a Pause that has no
 * `tasks`, `errors` or `finally` instead of putting it RUNNING again. An `onPause` task still
 * open, or one that did not succeed, leaves it to the walk, which ends the Pause once its
 * onPause ended (walker.ts).
 */
async function endsAtOnce(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined, store: JsonStore): Promise<boolean> {
  if (!run.planUri || task?.errors?.length || task?.finally?.length) return false;
  const plan = await store.read<FlowablePlan>(run.planUri);
  if (!plan.pause || plan.pause.sleep || plan.approval || plan.loop || plan.branches.length) return false;
  return state.taskRuns.every((r) => r.parentTaskRunId !== run.id || r.state.current === "SUCCESS");
}

/**
 * A paused task run goes on (a Pause resumed or elapsed, an Approval decided): RUNNING again,
 * its wake-up settled; the execution goes RUNNING again once no task run is paused any more.
 */
export function leavePause(state: ExecutionState, run?: TaskRunRecord): void {
  if (run) {
    if (!state.pauseSettles.includes(run.id)) state.pauseSettles.push(run.id);
    transition(run.state, "RUNNING");
    state.touch(run);
  }
  if (state.execution.state.current === "PAUSED" && !state.taskRuns.some((r) => r.state.current === "PAUSED")) state.setExecutionState("RUNNING");
}

/**
 * The API's resume (Kestra's ExecutionService.resume): the execution must still be PAUSED and
 * the task run it named still paused, or nothing changes (409).
 */
export async function resumePaused(state: ExecutionState, taskRunId: string, task: TaskSpec | undefined, onResume: Record<string, unknown> | undefined, store: JsonStore): Promise<void> {
  const { execution } = state;
  if (execution.state.current !== "PAUSED") throw new ConflictError(`execution ${execution.id} is ${execution.state.current}; only a PAUSED execution is resumed`);
  const run = state.byId(taskRunId);
  if (!run || run.state.current !== "PAUSED") throw new ConflictError(`task run ${taskRunId} of execution ${execution.id} is no longer paused`);
  // Kestra resumes Pause tasks only; a loop waiting its interval goes on by itself, an Approval is reviewed
  const plan = run.planUri ? await store.read<FlowablePlan>(run.planUri) : undefined;
  if (plan?.approval) throw new ConflictError(`task run ${taskRunId} (${run.taskId}) of execution ${execution.id} is an Approval: review it (POST /api/v1/executions/${execution.id}/actions/review), it cannot be resumed`);
  if (plan?.loop) throw new ConflictError(`task run ${taskRunId} (${run.taskId}) of execution ${execution.id} is a loop waiting its interval, not a Pause: it cannot be resumed`);
  state.log("INFO", "resumed", run);
  await endPause(state, run, task, "RUNNING", store, onResume);
}

/**
 * A wake-up came, or the executor looks again (reconcile): each paused task run whose pause
 * passed ends as its pause says; one not yet due is armed again (the queue drops a second
 * send of a wake-up still outstanding, and re-sends one it lost).
 */
export async function checkPauses(state: ExecutionState, store: JsonStore, taskOf: (run: TaskRunRecord) => TaskSpec | undefined, only?: string, kind: "pause" | "timeout" = "pause"): Promise<void> {
  for (const run of state.taskRuns) {
    if ((run.state.current !== "PAUSED" && run.state.current !== "RUNNING") || !run.planUri || (only && run.id !== only)) continue;
    const plan = await store.read<FlowablePlan>(run.planUri);
    // a flowable's timeout: looked at on its own wake-up, and on every reconcile
    if (plan.timeoutMs !== undefined && (!only || kind === "timeout") && checkFlowableTimeout(state, run, plan, taskOf(run), Boolean(only))) continue;
    if (only && kind === "timeout") continue;
    if (loopWaiting(run, plan)) {
      await checkLoopWait(state, run, plan, store, Boolean(only));
      continue;
    }
    if (plan.approval) {
      await checkApprovalExpiry(state, run, plan, taskOf(run), store, Boolean(only));
      continue;
    }
    if (run.state.current === "RUNNING" && !sleeping(plan)) continue;
    const since = pausedAt(run, plan);
    if (plan.pause?.afterMs === undefined || since === undefined) continue;
    const remaining = since + plan.pause.afterMs - Date.now();
    if (remaining > 0) {
      // an early delivery (clocks of two servers differ): the outstanding id is settled, then sent again
      if (only) state.pauseSettles.push(run.id);
      state.pauseWakeups.push({ taskRunId: run.id, delayMs: remaining });
      continue;
    }
    const task = taskOf(run);
    if (plan.pause.sleep) {
      await endSleep(state, run, task, plan, store);
      continue;
    }
    const how = plan.pause.onElapsed;
    await endPause(state, run, task, how, store, how === "RUNNING" || how === "WARNING" ? await defaultOnResume(state, run, task) : undefined);
  }
}

/** a pause that elapsed and goes on: its onResume outputs are the inputs' defaults, when they all have one */
async function defaultOnResume(state: ExecutionState, run: TaskRunRecord, task: TaskSpec | undefined): Promise<Record<string, unknown> | undefined> {
  const specs = onResumeOf(task);
  if (!specs?.length) return undefined;
  try {
    const { execution, flow } = state;
    return await resolveExecutionInputs(specs, {}, { flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision }, execution: { id: execution.id } });
  } catch (error) {
    state.log("WARN", `the pause elapsed: no onResume outputs (${errorMessage(error)})`, run);
    return undefined;
  }
}
