import { assertStorableText, type ExecutionChange, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import type { JsonStore } from "../json-store.js";
import { SYSTEM_LABEL_PREFIX } from "../execution-service.js";
import { recordsPrefix, variablesKey } from "../storage-keys.js";
import { childExecutionsOf } from "./batch-subflows.js";
import { newState, type ExecutionState } from "./execution-state.js";
import { executionVariables } from "./variables.js";


/**
 * Applies what an execution task (Labels, SetVariables, UnsetVariables, Exit) changes in
 * the running execution, then ends its task run with one attempt, as Kestra's
 * ExecutorService.handleExecutionUpdatingTask does. Throws (the task run fails) on a change
 * the execution cannot take.
 */
export async function applyExecutionChange(
  state: ExecutionState,
  run: TaskRunRecord,
  change: ExecutionChange,
  store: JsonStore,
  resume?: (request: NonNullable<ExecutionChange["resume"]>) => Promise<void>,
): Promise<void> {
  const { execution } = state;
  // first: a resume that cannot be made fails the task before anything else changes
  if (change.resume) {
    if (!resume) throw new Error("resuming an execution is not available here");
    await resume(change.resume);
  }
  if (change.labels) {
    for (const [key, value] of Object.entries(change.labels)) {
      if (key.startsWith(SYSTEM_LABEL_PREFIX)) throw new Error(`System labels can only be set by Kestra itself, offending label: ${key}=${value}`);
      // Kestra's Label is `(@NotEmpty key, @NotEmpty value)`: its Labels task refuses an empty one (LabelServiceTest)
      if (key === "") throw new Error(`Label keys cannot be empty (value '${value}')`);
      if (value === "") throw new Error(`Label values cannot be empty, offending label: ${key}`);
      assertStorableText(key, `label key '${key}'`);
      assertStorableText(value, `label ${key}`);
    }
    execution.labels = { ...execution.labels, ...change.labels };
    state.touch();
  }
  if (change.variables) {
    // values that arrived as data live in storage, as inputs and outputs do (principle 1)
    execution.variablesUri = await store.write(variablesKey(recordsPrefix(execution), run.id), change.variables);
    state.touch();
  }
  const ended: TaskRunState = change.exit ?? "SUCCESS";
  run.attempts.push({ state: newState(ended) });
  state.setRunState(run, ended);
  if (!change.exit) return;
  if (change.exit === "KILLED") {
    if (change.killChildren !== undefined) {
      // Kestra's Kill: its propagateKill decides for every child execution, kept for the kill passes to come
      execution.killChildren = change.killChildren;
      if (change.killChildren) {
        for (const r of state.taskRuns) if (r.subflowExecutionId) state.childKills.push(...(await childExecutionsOf(state, r, store)));
      }
    }
    // running tasks are stopped: the kill pass that follows ends the execution KILLED
    state.setExecutionState("KILLING");
    return;
  }
  // the task run's parents end with it; running siblings are left to end on their own, unheeded
  for (let p = run.parentTaskRunId ? state.byId(run.parentTaskRunId) : undefined; p; p = p.parentTaskRunId ? state.byId(p.parentTaskRunId) : undefined) {
    state.setRunState(p, change.exit);
  }
  state.log("INFO", `execution ended ${change.exit} by task '${run.taskId}'`, run);
  // ended: once its afterExecution tasks ended too (finish.ts)
  state.setExecutionState(change.exit);
}

/** what an execution task sees of the execution it changes */
export async function executionTaskView(state: ExecutionState, store: JsonStore): Promise<{ labels: Record<string, string>; variables: Record<string, unknown> }> {
  return { labels: { ...state.execution.labels }, variables: structuredClone(await executionVariables(state.execution, state.flow, store)) };
}
