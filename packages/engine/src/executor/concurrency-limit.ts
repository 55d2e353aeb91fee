import { isTerminal, type Repository } from "@ferry/sdk";
import type { ExecutionState } from "./execution-state.js";

/**
 * Kestra's flow `concurrency`: an execution takes a slot before its first task and holds it
 * until it ends (PAUSED too). With every slot taken it waits QUEUED, oldest first (QUEUE), or
 * ends CANCELLED or FAILED without running anything (CANCEL, FAIL).
 *
 * The repository's slot table is the truth, not a counter: a slot belongs to an execution id,
 * so taking it again after a crash or a lost save answers what the execution already has,
 * and the reconciler frees the slots of executions that ended without giving theirs back.
 * Answers whether the execution may run now.
 */
export async function admit(state: ExecutionState, repository: Repository): Promise<boolean> {
  const concurrency = state.flow.concurrency;
  if (!concurrency) return true;
  const { execution } = state;
  const behavior = concurrency.behavior ?? "QUEUE";
  const slot = { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id, limit: concurrency.limit, queuedAt: execution.created };
  const got = await repository.acquireConcurrencySlot(slot, behavior === "QUEUE");
  if (got === "running") return true;
  if (got === "waiting") {
    if (execution.state.current !== "QUEUED") {
      state.setExecutionState("QUEUED");
      state.log("INFO", `the flow's concurrency limit (${concurrency.limit}) is reached: the execution waits for a running one to end`);
    }
    return false;
  }
  state.log("WARN", `the flow's concurrency limit (${concurrency.limit}) is reached: the execution ends ${behavior === "CANCEL" ? "CANCELLED" : "FAILED"} without running (behavior ${behavior})`);
  state.setExecutionState(behavior === "CANCEL" ? "CANCELLED" : "FAILED");
  return false;
}

/**
 * A restarted execution under a limit is checked as a new one, as Kestra's executor checks an
 * execution that failed then restarted (JdbcExecutor: `CREATED || failedThenRestarted()` goes
 * through processExecutionRunning): a free slot restarts it now; with every slot taken, QUEUE
 * puts it QUEUED (restarted once admitted: see isQueuedRestart), CANCEL and FAIL end it
 * CANCELLED or FAILED without running anything. Answers whether the restart goes on now.
 */
export async function admitRestarted(state: ExecutionState, repository: Repository): Promise<boolean> {
  const concurrency = state.flow.concurrency;
  if (!concurrency) return true;
  const { execution } = state;
  const behavior = concurrency.behavior ?? "QUEUE";
  const slot = { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id, limit: concurrency.limit, queuedAt: new Date().toISOString() };
  const got = await repository.acquireConcurrencySlot(slot, behavior === "QUEUE");
  if (got === "running") return true;
  state.execution.labels = { ...execution.labels, "system.restarted": "true" };
  if (got === "waiting") {
    state.setExecutionState("QUEUED");
    state.log("INFO", `restarted while the flow's concurrency limit (${concurrency.limit}) is reached: the execution waits for a running one to end`);
    return false;
  }
  state.log("WARN", `restarted while the flow's concurrency limit (${concurrency.limit}) is reached: the execution ends ${behavior === "CANCEL" ? "CANCELLED" : "FAILED"} without running (behavior ${behavior})`);
  state.setExecutionState(behavior === "CANCEL" ? "CANCELLED" : "FAILED");
  return false;
}

/** a QUEUED execution that was RESTARTED (or, saved before RESTARTED was a state, FAILED or KILLED) before: a restart waiting for its slot (Kestra's failedThenRestarted) */
export function isQueuedRestart(state: ExecutionState): boolean {
  const histories = state.execution.state.histories;
  const before = histories.at(-2)?.state;
  return state.execution.state.current === "QUEUED" && (before === "RESTARTED" || before === "FAILED" || before === "KILLED");
}

/** a mark-as takes a slot first, waiting for none: while others run or wait, it is refused */
export async function admitRestart(state: ExecutionState, repository: Repository): Promise<string | undefined> {
  const concurrency = state.flow.concurrency;
  if (!concurrency) return undefined;
  const { execution } = state;
  const slot = { namespace: execution.namespace, flowId: execution.flowId, executionId: execution.id, limit: concurrency.limit, queuedAt: new Date().toISOString() };
  if ((await repository.acquireConcurrencySlot(slot, false)) === "running") return undefined;
  return `flow ${execution.namespace}.${execution.flowId} runs as many executions as its concurrency limit allows (${concurrency.limit}); restart this one once one of them ended`;
}

/**
 * An execution that ended in this save gives its slot (or place in line) back; answers the
 * waiting executions that may start now, to be told so.
 */
export async function releaseIfEnded(state: ExecutionState, repository: Repository): Promise<string[]> {
  if (!state.flow.concurrency || !state.executionDirty || !isTerminal(state.execution.state.current)) return [];
  return repository.releaseConcurrencySlot(state.execution.id);
}
