import type { PluginRegistry, TaskSpec } from "@ferry/core";
import { isTerminal, UnexpectedError, type Repository, type TaskRunRecord } from "@ferry/sdk";
import type { FlowStore } from "../flow-store.js";
import type { JsonStore } from "../json-store.js";
import type { ExecutorEvent } from "../messages.js";
import { transition, type ExecutionState } from "./execution-state.js";
import { isWorkerFlowable } from "./flowable-attempt.js";
import { noteLoopOf } from "./loop-until.js";
import { checkPauses } from "./pause.js";
import { retryFailedRun, successState } from "./retry-scope.js";
import { resumeRetryWait, retryDueAt } from "./retry-wait.js";
import { applyChild, waitsForChildRetry } from "./shared-folder.js";
import { subflowEnded } from "./subflow-end.js";
import { iterationChanged, reconcileIterations } from "./loop-iterations.js";
import { batchEnded } from "./batch-subflows.js";
import { outcomeState } from "./task-outcome.js";

export interface ApplyDeps {
  store: JsonStore;
  flows: FlowStore;
  repository: Repository;
  registry: PluginRegistry;
  /** the task definition a task run runs, found anywhere in the flow's tree */
  taskOf(run: TaskRunRecord): TaskSpec | undefined;
  dispatch(run: TaskRunRecord): void;
  /** queues the run's current attempt again; the queue drops it while the first send is outstanding */
  resend(run: TaskRunRecord): void;
}

/** what a worker's result may say of its attempt (messages.ts) */
const RESULT_STATES = new Set<string>(["SUCCESS", "WARNING", "FAILED", "KILLED"]);

/** Applies one event to the loaded execution. Stale and duplicate events change nothing. */
export async function applyEvent(state: ExecutionState, event: ExecutorEvent, deps: ApplyDeps): Promise<void> {
  switch (event.type) {
    case "created":
      // its MAX_DURATION SLAs are armed from its creation, as Kestra's SLA monitors
      state.checkSlaDurations = true;
      return;
    case "admit":
    case "continue":
      return; // the walk that follows every event does the work
    case "scheduled-start":
      // its scheduleDate came: the walk that follows starts it (or arms it again, when early); its SLAs count from now
      state.scheduledArrived = true;
      state.checkSlaDurations = true;
      return;
    case "sla-due":
      state.checkSlaDurations = true;
      state.slaArrived = event.slaId;
      return;
    case "reconcile-walk":
      // a lost wake-up of a paused task run is sent again (or the pause, passed meanwhile, ends); an SLA's too
      await checkPauses(state, deps.store, deps.taskOf);
      state.checkSlaDurations = true;
      return;
    case "reconcile":
      reconcile(state, deps);
      // a Loop's iterations created or heard of, should this process have died before it did
      for (const run of state.taskRuns) if (run.planUri && !isWorkerFlowable(run)) await reconcileIterations(state, run, deps.taskOf(run), deps.repository, deps.store);
      await checkPauses(state, deps.store, deps.taskOf);
      state.checkSlaDurations = true;
      return;
    case "pause-elapsed":
      await checkPauses(state, deps.store, deps.taskOf, event.taskRunId, event.timeout ? "timeout" : "pause");
      return;
    case "kill":
      state.setExecutionState("KILLING");
      return;
    case "child":
      applyChild(state, event, deps.taskOf);
      return;
    case "started": {
      const run = state.byId(event.taskRunId);
      const attempt = run?.attempts[event.attempt];
      if (!run || !attempt || event.attempt !== run.attempts.length - 1 || isTerminal(run.state.current)) return;
      transition(attempt.state, "RUNNING", event.date);
      attempt.workerId = event.workerId;
      state.setRunState(run, "RUNNING");
      return;
    }
    case "result": {
      const run = state.byId(event.taskRunId);
      const attempt = run?.attempts[event.attempt];
      if (refuseStaleResult(state, event)) return;
      if (!run || !attempt || event.attempt !== run.attempts.length - 1 || isTerminal(run.state.current) || run.state.current === "RETRYING") return;
      // bad data from a worker is the executor's to refuse, not to store: the execution fails on it (fail-from-executor.ts)
      if (!RESULT_STATES.has(event.state)) throw new UnexpectedError(`the result of attempt ${event.attempt + 1} of task run ${run.id} (${run.taskId}) carries state ${String(event.state)}, not one an attempt ends in (${[...RESULT_STATES].join(", ")})`);
      if (attempt.state.current !== "RUNNING") {
        transition(attempt.state, "RUNNING", event.startDate);
        transition(run.state, "RUNNING", event.startDate);
      }
      transition(attempt.state, event.state, event.date);
      attempt.workerId ??= event.workerId;
      if (event.cached) attempt.cached = true;
      if (event.logFile) attempt.logFile = event.logFile;
      const task = deps.taskOf(run);
      if (run.planUri) {
        // a WorkingDirectory's worker reported its children's outcome: the walk ends it, after its errors and finally
        run.outputsUri = event.outputsUri;
        state.touch(run);
        // a child's retry that came due before this result found the WorkingDirectory still on its worker: it is sent now
        for (const child of state.taskRuns) if (child.parentTaskRunId === run.id && child.state.current === "RETRYING" && retryDueAt(child) <= Date.now()) deps.dispatch(child);
        return;
      }
      if (event.state === "SUCCESS" || event.state === "WARNING") {
        run.outputsUri = event.outputsUri;
        state.setRunState(run, outcomeState(task, successState(task, run, event.state)));
        return;
      }
      // a WorkingDirectory's child too: it waits RETRYING, and its WorkingDirectory with it (shared-folder.ts)
      if (event.state === "FAILED" && state.execution.state.current !== "KILLING" && !event.unrecoverable && retryFailedRun(state, run, task, deps.taskOf)) return;
      state.setRunState(run, outcomeState(task, event.state));
      return;
    }
    case "retry": {
      const run = state.byId(event.taskRunId);
      if (!run || run.state.current !== "RETRYING" || run.attempts.length !== event.attempt) return;
      await noteLoopOf(state, run, deps.store, deps.taskOf);
      deps.dispatch(run);
      return;
    }
    case "stale": {
      for (const { taskRunId, attempt: index } of event.runs) {
        const run = state.byId(taskRunId);
        if (!run || isTerminal(run.state.current)) continue;
        await noteLoopOf(state, run, deps.store, deps.taskOf);
        if (run.state.current === "RETRYING" && run.attempts.length === index) {
          resumeRetryWait(state, run, deps.dispatch); // its delayed retry was lost
          continue;
        }
        if (!run.attempts[index] || index !== run.attempts.length - 1) continue;
        // the same attempt, sent again: harmless when its job is still queued or held
        // (an idempotent send), its first run when the queue lost it
        state.log("WARN", `attempt ${index + 1} may have been lost by the queue: sent again`, run);
        deps.resend(run);
      }
      return;
    }
    case "lost": {
      const run = state.byId(event.taskRunId);
      const attempt = run?.attempts[event.attempt];
      if (!run || !attempt || event.attempt !== run.attempts.length - 1 || isTerminal(run.state.current)) return;
      transition(attempt.state, "FAILED");
      if (state.execution.state.current === "KILLING") {
        state.setRunState(run, "KILLED");
        return;
      }
      // a killed execution never re-runs a task: only a running one gets the new attempt
      state.log("WARN", `the worker running attempt ${event.attempt + 1} stopped answering; attempt ${event.attempt + 2} starts on another worker`, run);
      await noteLoopOf(state, run, deps.store, deps.taskOf);
      deps.dispatch(run);
      return;
    }
    case "loop-iteration": {
      const run = state.byId(event.taskRunId);
      if (!run || isTerminal(run.state.current)) return;
      const child = await deps.repository.getExecution(event.childExecutionId);
      if (child) await iterationChanged(state, run, deps.taskOf(run), child, deps.store);
      return;
    }
    case "subflow-ended": {
      const run = state.byId(event.taskRunId);
      if (!run || isTerminal(run.state.current) || !run.subflowExecutionId) return;
      const child = await deps.repository.getExecution(event.childExecutionId);
      const def = deps.registry.task(deps.taskOf(run)?.type ?? "");
      if (def?.kind === "subflow" && def.batches) {
        // one of a ForEachItem's batches (batch-subflows.ts)
        if (child) await batchEnded(state, run, child.execution, deps.taskOf(run), deps.store);
        return;
      }
      // a child retried in a new execution answers under its own id; its chain starts with the one the run started
      if (run.subflowExecutionId !== event.childExecutionId && (!child || child.execution.originalId !== run.subflowExecutionId)) return;
      if (!child) {
        state.log("ERROR", `subflow execution ${event.childExecutionId} could not be created`, run);
        state.setRunState(run, "FAILED");
        return;
      }
      await subflowEnded(state, run, child, deps);
      return;
    }
  }
}

/**
 * Fencing: the late result of an attempt that was given up (its worker was thought dead, and
 * a later attempt started) never counts; it is refused and logged. Answers whether it was.
 */
export function refuseStaleResult(state: ExecutionState, event: ExecutorEvent): boolean {
  if (event.type !== "result") return false;
  const run = state.byId(event.taskRunId);
  if (!run || !run.attempts[event.attempt] || event.attempt >= run.attempts.length - 1) return false;
  state.log("WARN", `refused the result ${event.state} of attempt ${event.attempt + 1} from worker ${event.workerId}: attempt ${run.attempts.length} is the current one`, run);
  return true;
}

/** after a restart of a local server: queued and running work was in memory, so re-send it */
function reconcile(state: ExecutionState, deps: ApplyDeps) {
  for (const run of state.taskRuns) {
    const s = run.state.current;
    // a flowable with attempts is a WorkingDirectory, sent to a worker whole
    if ((run.planUri && !isWorkerFlowable(run)) || run.subflowExecutionId) continue;
    // a WorkingDirectory waiting for its child's retry is sent again when that is due
    if (run.planUri && waitsForChildRetry(state, run)) continue;
    if (s === "RETRYING") {
      // its failed attempt ended; the wait for the next one was a timer in the stopped process
      resumeRetryWait(state, run, deps.dispatch);
      continue;
    }
    if (s === "CREATED" || s === "QUEUED" || s === "RUNNING") {
      const attempt = run.attempts[run.attempts.length - 1];
      if (attempt && !isTerminal(attempt.state.current)) transition(attempt.state, "FAILED");
      state.log("WARN", "re-dispatched after a restart", run);
      deps.dispatch(run);
    }
  }
}
