import type { PluginRegistry, TaskSpec } from "@ferry/core";
import { isTerminal, type TaskRunRecord } from "@ferry/sdk";
import { inAfterExecution } from "./after-execution.js";
import { newState, transition, type ExecutionState } from "./execution-state.js";
import { jobOf } from "./job-of.js";
import { sharedFolderParent } from "./shared-folder.js";

/**
 * Adds an attempt and queues the task run for a worker — unless the execution is being
 * killed: then the run ends KILLED and nothing reaches a worker (Kestra #19730). A Subflow's
 * attempt is a new child execution, and a WorkingDirectory's child goes with its
 * WorkingDirectory: neither is queued itself.
 */
export function dispatchRun(state: ExecutionState, run: TaskRunRecord, taskOf: (run: TaskRunRecord) => TaskSpec | undefined, registry: PluginRegistry): void {
  const current = state.execution.state.current;
  if (current === "KILLING" || (isTerminal(current) && !inAfterExecution(state, run))) {
    state.setRunState(run, "KILLED");
    return;
  }
  if (registry.task(taskOf(run)!.type)?.kind === "subflow") {
    // a Subflow's next attempt is a new child execution: the walk that follows starts it
    run.subflowExecutionId = undefined;
    state.setRunState(run, "CREATED");
    return;
  }
  const folder = sharedFolderParent(state, run, taskOf, registry);
  if (folder && run.state.current === "RETRYING") {
    // its retry is due: its WorkingDirectory is sent again and resumes at it (shared-folder.ts)
    const last = folder.attempts[folder.attempts.length - 1];
    if (!isTerminal(folder.state.current) && (!last || isTerminal(last.state.current))) dispatchRun(state, folder, taskOf, registry);
    return;
  }
  if (folder) {
    // a WorkingDirectory's child runs again only with its WorkingDirectory, which gets a new attempt itself
    const attempt = run.attempts[run.attempts.length - 1];
    if (attempt && !isTerminal(attempt.state.current)) transition(attempt.state, "FAILED");
    if (!isTerminal(run.state.current)) state.setRunState(run, "FAILED");
    return;
  }
  run.attempts.push({ state: newState("CREATED") });
  state.setRunState(run, "QUEUED");
  state.jobs.push(jobOf(state, run, taskOf, registry));
}
