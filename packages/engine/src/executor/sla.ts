import { renderString, type SlaSpec } from "@ferry/core";
import { errorMessage, formatDuration, isTerminal, parseDuration, type TaskRunRecord } from "@ferry/sdk";
import { buildRenderContext } from "../context.js";
import type { JsonStore } from "../json-store.js";
import { childExecutionsOf } from "./batch-subflows.js";
import { contextRefOf } from "./context-ref.js";
import { outputNeedsOf } from "./output-needs.js";
import { transition, type ExecutionState } from "./execution-state.js";
import { startedCounting } from "./scheduled-start.js";

/** Kestra's TruthUtils: falsy when '', 'false', '0' or '-0' */
const truthy = (text: string) => !["", "false", "0", "-0"].includes(text.trim().toLowerCase());

/**
 * The flow's EXECUTION_ASSERTION SLAs, checked as Kestra's ExecutorService does on each
 * change of a running execution: an assertion that does not render truthy is a violation; one
 * that does not render (a task's outputs not there yet) is ignored this time, said in an ERROR
 * line, as SLAService.evaluateExecutionChangedSLA does. The first violation acts: FAIL or CANCEL
 * end the execution in that state (the last running task run with it, the others killed), NONE
 * changes nothing; its labels are added either way. Answers whether the execution ended.
 */
export async function checkAssertionSlas(state: ExecutionState, store: JsonStore): Promise<boolean> {
  const slas = (state.flow.sla ?? []).filter((sla) => sla.type === "EXECUTION_ASSERTION");
  if (!slas.length || isTerminal(state.execution.state.current)) return false;
  const ctx = await buildRenderContext(contextRefOf(state, outputNeedsOf(slas), undefined, slas), store);
  for (const sla of slas) {
    let rendered: string;
    try {
      rendered = await renderString(sla.assert, ctx);
    } catch (error) {
      state.log("ERROR", `Ignoring SLA '${sla.id}' because of the error: ${errorMessage(error)}`);
      continue;
    }
    if (!truthy(rendered)) return violated(state, sla, `assertion is false: ${sla.assert}.`, store);
  }
  return false;
}

/** the queue id of an SLA's wake-up: one outstanding per execution and SLA */
export const slaWakeupId = (executionId: string, slaId: string) => `sla:${executionId}:${slaId}`;

/**
 * The flow's MAX_DURATION SLAs (Kestra's MaxDurationSLA and its SLA monitor): once an SLA's
 * duration has passed since the execution was created (or its scheduleDate, when it waited for it), a violation acts as an assertion's
 * does. One not due yet is armed: the executor's wake-up, sent again on each reconcile, so it
 * outlives restarts and lasts any length. Answers whether the execution ended.
 */
export async function checkMaxDurationSlas(state: ExecutionState, store: JsonStore): Promise<boolean> {
  if (isTerminal(state.execution.state.current)) return false;
  for (const sla of state.flow.sla ?? []) {
    if (sla.type !== "MAX_DURATION") continue;
    const limitMs = parseDuration(sla.duration);
    const lastedMs = Date.now() - startedCounting(state);
    if (lastedMs <= limitMs) {
      state.slaWakeups.push({ slaId: sla.id, delayMs: limitMs - lastedMs + 1 });
      continue;
    }
    // Kestra's reason, its durations as Java prints them
    if (await violated(state, sla, `execution duration of ${formatDuration(lastedMs)} exceed the maximum duration of ${formatDuration(limitMs)}.`, store)) return true;
  }
  return false;
}

/** Kestra's processViolation: FAIL or CANCEL end the execution, NONE changes nothing; the labels are added either way */
async function violated(state: ExecutionState, sla: SlaSpec, reason: string, store: JsonStore): Promise<boolean> {
  state.log("WARN", `SLA '${sla.id}' violated: ${reason}`);
  const labels = Array.isArray(sla.labels) ? Object.fromEntries(sla.labels.map((l) => [l.key, l.value])) : (sla.labels ?? {});
  if (Object.entries(labels).some(([key, value]) => state.execution.labels[key] !== value)) {
    state.execution.labels = { ...state.execution.labels, ...labels };
    state.touch();
  }
  if (sla.behavior === "NONE") return false;
  if (sla.behavior === "FAIL") state.log("ERROR", `Execution failed due to SLA '${sla.id}' violated: ${reason}`);
  await endExecution(state, sla.behavior === "FAIL" ? "FAILED" : "CANCELLED", store);
  return true;
}

/** Kestra's markAs: the last task run still going takes the state, the execution too; what runs is killed */
async function endExecution(state: ExecutionState, final: "FAILED" | "CANCELLED", store: JsonStore): Promise<void> {
  const open = state.taskRuns.filter((r) => !isTerminal(r.state.current));
  const last = open[open.length - 1];
  for (const run of open) {
    await stop(state, run, store);
    state.setRunState(run, run === last ? final : "KILLED");
  }
  // ended: once its afterExecution tasks ended too (finish.ts)
  state.setExecutionState(final);
}

async function stop(state: ExecutionState, run: TaskRunRecord, store: JsonStore): Promise<void> {
  if (run.subflowExecutionId) state.childKills.push(...(await childExecutionsOf(state, run, store)));
  else if (run.attempts.length) {
    state.workerKills.push({ taskRunId: run.id, attempt: run.attempts.length - 1 });
    const attempt = run.attempts[run.attempts.length - 1];
    if (!isTerminal(attempt.state.current)) transition(attempt.state, "KILLED");
  }
}
