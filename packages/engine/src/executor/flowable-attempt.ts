import { isTerminal, type StateRecord, type TaskRunRecord, type TaskRunState } from "@ferry/sdk";
import { newState, transition } from "./execution-state.js";

/**
 * Kestra's attempt of a flowable task run, as the API shows it. Since Kestra 1.2 a flowable
 * task run starts as a pseudo worker task with one attempt, RUNNING, whose state becomes the
 * run's own once it ended (ExecutorService.childWorkerTaskResult: "flowable attempt state
 * transition to terminated"); ExitTest and ExecutionServiceTest read it. Ferry's engine keeps
 * no attempt on a flowable's run (an empty list is how it tells one from a worker's run), so
 * the attempt is derived from the run's state: RUNNING from the run's first RUNNING, then its
 * end state. A flowable sent to a worker whole (WorkingDirectory) keeps its real attempts; a run
 * that never ran has none.
 */
export function flowableAttempt(run: TaskRunRecord): { state: StateRecord<TaskRunState> } | undefined {
  if (run.attempts.length || !run.planUri) return undefined;
  const started = run.state.histories.find((h) => h.state === "RUNNING");
  if (!started) return undefined;
  const state = newState<TaskRunState>("RUNNING", started.date);
  if (isTerminal(run.state.current)) transition(state, run.state.current, run.state.endDate ?? run.state.histories[run.state.histories.length - 1].date);
  return { state };
}
