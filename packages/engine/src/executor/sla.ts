import { renderString } from "@ferry/core";
import { errorMessage, isTerminal, type TaskRunRecord } from "@ferry/sdk";
import { buildRenderContext } from "../context.js";
import type { JsonStore } from "../json-store.js";
import { childExecutionsOf } from "./batch-subflows.js";
import { contextRefOf } from "./context-ref.js";
import { outputNeedsOf } from "./output-needs.js";
import { transition, type ExecutionState } from "./execution-state.js";

/** Kestra's TruthUtils: falsy when '', 'false', '0' or '-0' */
const truthy = (text: string) => !["", "false", "0", "-0"].includes(text.trim().toLowerCase());

/**
 * The flow's EXECUTION_ASSERTION SLAs, checked as Kestra's ExecutorService does on each
 * change of a running execution: an assertion that does not render truthy (or does not
 * render) is a violation. The first one acts: FAIL or CANCEL end the execution in that state
 * (the last running task run with it, the others killed), NONE changes nothing; its labels are
 * added either way. Answers whether the execution ended.
 */
export async function checkAssertionSlas(state: ExecutionState, store: JsonStore): Promise<boolean> {
  const slas = state.flow.sla ?? [];
  if (!slas.length || isTerminal(state.execution.state.current)) return false;
  const ctx = await buildRenderContext(contextRefOf(state, outputNeedsOf(slas)), store);
  for (const sla of slas) {
    let reason: string | undefined;
    try {
      if (!truthy(await renderString(sla.assert, ctx))) reason = `assertion is false: ${sla.assert}.`;
    } catch (error) {
      reason = `assertion ${sla.assert} could not be evaluated: ${errorMessage(error)}`;
    }
    if (!reason) continue;
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
  return false;
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
