import { ConflictError, isTerminal, NotFoundError, UserError, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import type { ExecutionState } from "./execution-state.js";
import { transition } from "./execution-state.js";
import { isWorkerFlowable } from "./flowable-attempt.js";
import { handlerRuns } from "./restart.js";

/** the states a task run can be marked as: the ends a task reaches by itself (Kestra's UI offers these three) */
export const MARK_AS_STATES = ["SUCCESS", "WARNING", "FAILED"] as const;
export type MarkAsState = (typeof MARK_AS_STATES)[number];

export const isMarkAsState = (value: unknown): value is MarkAsState => (MARK_AS_STATES as readonly unknown[]).includes(value);

/**
 * Kestra's ExecutionService.markAs (the API's "change state for a taskrun"): an ended
 * execution's task run is set to a state, its last attempt too; its parents go back to
 * RUNNING so that the flow carries on from there; the execution takes its next attempt,
 * `system.restarted`, drops its `errors`/`finally`/`afterExecution` runs (which run again
 * if the flow still ends badly), and goes RESTARTED, what the call answers; the executor's next
 * step moves it on to RUNNING (Kestra's handleRestart). planMarkAs checks everything first.
 */
export function markAs(state: ExecutionState, plan: MarkAsPlan): void {
  const { execution } = state;
  const { target, parents, handlers, newState } = plan;
  setState(state, target, newState);
  for (const parent of parents) state.setRunState(parent, "RUNNING");
  state.remove(handlers);
  state.execution.labels = { ...execution.labels, "system.restarted": "true" };
  state.execution.attemptNumber = (execution.attemptNumber ?? 1) + 1;
  state.execution.outputsUri = undefined;
  state.setExecutionState("RESTARTED");
  state.log("INFO", `task run ${target.id} (${target.taskId}${target.value !== undefined ? ` ${target.value}` : ""}) marked ${newState}`, target);
}

export interface MarkAsPlan {
  target: TaskRunRecord;
  parents: TaskRunRecord[];
  handlers: Set<string>;
  newState: MarkAsState;
}

/** what marking would change, or the reason it is refused: checked before anything changes (a concurrency slot is taken in between) */
export function planMarkAs(state: ExecutionState, taskRunId: string, newState: MarkAsState): MarkAsPlan {
  const { execution } = state;
  if (!isMarkAsState(newState)) throw new UserError(`a task run can only be marked as ${MARK_AS_STATES.join(", ")}, not '${String(newState).slice(0, 40)}'`, { status: 422 });
  if (!isTerminal(execution.state.current)) {
    throw new ConflictError(`execution ${execution.id} is ${execution.state.current}; only an ended execution's task runs can change state`);
  }
  const target = state.byId(taskRunId);
  if (!target) throw new NotFoundError(`task run ${taskRunId.slice(0, 100)} not found in execution ${execution.id}`);
  const parents: TaskRunRecord[] = [];
  for (let id = target.parentTaskRunId; id; ) {
    const parent = state.byId(id);
    if (!parent) break;
    // a WorkingDirectory's children ran together on one worker and only run again together
    if (isWorkerFlowable(parent)) throw new UserError(`task run ${target.id} (${target.taskId}) runs inside ${parent.taskId}, which runs whole on one worker: mark ${parent.taskId} instead`, { status: 422 });
    parents.push(parent);
    id = parent.parentTaskRunId;
  }

  const handlers = handlerRuns(state);
  if (handlers.has(target.id)) {
    throw new UserError(`task run ${target.id} (${target.taskId}) is of the flow's errors, finally or afterExecution tasks, which run again once the flow ends: mark one of its tasks instead`, { status: 422 });
  }

  return { target, parents, handlers, newState };
}

/** the run and its last attempt take the state (Kestra: attempts.set(last, last.withState(newState))) */
function setState(state: ExecutionState, run: TaskRunRecord, newState: TaskRunState): void {
  transition(run.state, newState);
  const last = run.attempts[run.attempts.length - 1];
  if (last) transition(last.state, newState);
  state.touch(run);
}
