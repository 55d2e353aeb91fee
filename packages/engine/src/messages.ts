import type { LogEntry, TaskRunState } from "@ferry/sdk";
import type { RetrySpec, TaskSpec } from "@ferry/core";
import type { TaskRunVariables } from "./context.js";

/** Channel names on the queue. */
export const EXECUTOR_CHANNEL = "executor";
export const LOGS_CHANNEL = "logs";
/** batches of metrics tasks reported, written by the server's metrics writer */
export const METRICS_CHANNEL = "metrics";
export const KILL_TOPIC = "kill";
/** workers announce themselves here every few seconds (GET /api/v1/workers) */
export const WORKERS_TOPIC = "workers";
/**
 * a scheduler's executor ended an execution: every scheduler's waiting requests (`wait=true`,
 * webhooks with `wait`) for it answer now, whichever scheduler handled its last event
 */
export const ENDED_TOPIC = "ended";
export interface EndedMessage {
  executionId: string;
}

export interface WorkerAnnouncement {
  id: string;
  groups: string[];
  concurrency: number;
  runtime: string;
  running: Array<{ executionId: string; taskRunId: string; taskId: string }>;
  date: string;
  /** true in the last announcement of a worker that stops */
  stopping?: boolean;
}
export const jobsChannel = (group: string) => `jobs.${group}`;
/** a job's id on its channel: one per attempt, so a re-sent attempt is never run twice */
export const jobId = (taskRunId: string, attempt: number) => `${taskRunId}:${attempt}`;

/** Events the executor consumes, keyed by execution id so each execution sees them in order. */
export type ExecutorEvent =
  | { type: "created"; executionId: string }
  | { type: "started"; executionId: string; taskRunId: string; attempt: number; workerId: string; date: string }
  | {
      type: "result";
      executionId: string;
      taskRunId: string;
      attempt: number;
      state: Extract<TaskRunState, "SUCCESS" | "WARNING" | "FAILED" | "KILLED">;
      outputsUri?: string;
      /** the outputs document's JSON text as stored at outputsUri, when short (JsonStore.textOf): the executor reads it without storage */
      outputs?: string;
      /** when the attempt started on the worker (quick tasks send no separate `started`) */
      startDate: string;
      /** the task did not run: its outputs came from the task cache */
      cached?: boolean;
      /** the task threw UnrecoverableError: FAILED for good, whatever its retry policy says */
      unrecoverable?: boolean;
      /** logToFile: the attempt's log lines, stored as a file */
      logFile?: string;
      workerId: string;
      date: string;
    }
  | { type: "retry"; executionId: string; taskRunId: string; attempt: number }
  /**
   * a worker running a WorkingDirectory's children starts one: its task run (an earlier attempt's,
   * reused, or new with the id the worker chose) gets attempt `attempt`; `started` and `result` follow
   */
  | {
      type: "child"; executionId: string; parentTaskRunId: string; parentAttempt: number; taskId: string; taskRunId: string; attempt: number; workerId: string;
      /** the child ended before it ran: SKIPPED (its runIf was false) or FAILED (its runIf did not render: `message`) */
      ended?: { state: "SKIPPED" | "FAILED"; message?: string };
    }
  /**
   * resumes the paused task run, its onResume inputs typed (the API, or an execution.Resume task
   * of execution `by`: a refusal then only leaves a line in this execution's logs)
   */
  | { type: "resume"; executionId: string; taskRunId: string; onResume?: Record<string, unknown>; by?: string }
  /** decides a PAUSED Approval's task run (the review API): its decision, the reviewer's comment and typed inputs */
  | { type: "review"; executionId: string; taskRunId: string; decision: "APPROVED" | "DENIED"; comment?: string; inputs?: Record<string, unknown>; by?: string }
  /** a paused task run's pauseDuration (or timeout) may have passed: the executor checks and ends it */
  | { type: "pause-elapsed"; executionId: string; taskRunId: string; /** a flowable's timeout rather than its pause */ timeout?: boolean }
  /** a CREATED execution's scheduleDate may have come: the executor starts it (executor/scheduled-start.ts) */
  | { type: "scheduled-start"; executionId: string }
  /** a MAX_DURATION SLA's duration may have passed: the executor checks the execution against it */
  | { type: "sla-due"; executionId: string; slaId: string }
  /** attempts nobody works on any more (the queue lost them): each gets a new attempt */
  | { type: "stale"; executionId: string; runs: Array<{ taskRunId: string; attempt: number }> }
  /** the worker holding this attempt died: the queue handed its job to another worker */
  | { type: "lost"; executionId: string; taskRunId: string; attempt: number; workerId: string }
  | { type: "kill"; executionId: string }
  | { type: "subflow-ended"; executionId: string; taskRunId: string; childExecutionId: string }
  /** a Loop's iteration (its sub-execution `childExecutionId`, kind LOOP) paused, ran again or ended: its Loop's task run `taskRunId` hears it */
  | { type: "loop-iteration"; executionId: string; taskRunId: string; childExecutionId: string }
  /** retry.behavior CREATE_NEW_EXECUTION: the RETRIED execution's flow runs again in a new execution */
  | { type: "retry-execution"; executionId: string }
  /** local mode starting: re-send what the lost in-memory queue held */
  | { type: "reconcile"; executionId: string }
  /** a concurrency slot freed up for this QUEUED execution: it tries to take it */
  | { type: "admit"; executionId: string }
  /** a flowable started a slice of its branches in the last event (creation-slice.ts): the walk starts the next */
  | { type: "continue"; executionId: string }
  /** an execution that stopped moving: walk it again (a lost `created` or `result`) */
  | { type: "reconcile-walk"; executionId: string };

/** A pointer to one task run's outputs, so a worker can rebuild `outputs.*` from storage. */
export interface OutputRef {
  taskId: string;
  /** iteration values from the outermost loop in: `outputs.<taskId>['a']['x']` */
  values?: string[];
  uri: string;
}

/** Everything templates may read, as pointers: what a worker needs to rebuild the context. */
export interface ContextRef {
  flow: { id: string; namespace: string; revision: number };
  variables?: Record<string, unknown>;
  /** the execution's variables once a task changed them: read instead of `variables` */
  variablesUri?: string;
  /** `state` is the execution's when the context was taken (Kestra's execution.state) */
  execution: { id: string; startDate: string; originalId: string; state?: string };
  labels: Record<string, string>;
  inputsUri?: string;
  /** Kestra's `item` in a Loop's iteration (a LOOP execution): index, value, key, parent, parents */
  item?: Record<string, unknown>;
  /** in a Loop's iteration: the root execution whose id and start date `execution.*` renders (file and log functions keep the iteration's own id) */
  loopRoot?: { id: string; startDate: string };
  /** the type of the trigger that started the execution: a Schedule's variables also read as `schedule` (context.ts) */
  triggerType?: string;
  /** the ids of the flow's FLOAT inputs: Kestra reads them back as Doubles, which print `5.0` */
  floatInputs?: string[];
  /** where the flow's `variables` hold a whole float it wrote (`1.0`): read as Doubles (core's writtenDoubles) */
  variableDoubles?: Array<Array<string | number>>;
  /** each task run's state, for a render that reads Kestra's `tasks` variable or tasksWithState() (context-ref.ts) */
  taskStates?: Array<{ taskId: string; value?: string; state: string }>;
  triggerUri?: string;
  /** the flow's outputs, once the execution ended (Kestra's execution.outputs, for afterExecution tasks) */
  executionOutputsUri?: string;
  outputs: OutputRef[];
  /** where the execution's files live when it has a storage prefix of its own (read() may read them) */
  filesPrefix?: string;
}

/** A runnable task run handed to a worker. */
export interface WorkerJob {
  executionId: string;
  taskRunId: string;
  attempt: number;
  task: TaskSpec;
  /** `taskrun`, `parents` and `parent` of its templates */
  taskrun: TaskRunVariables;
  context: ContextRef;
  /** where the task run's outputs are written: the execution's records prefix (storage-keys.ts) */
  recordsPrefix: string;
  /** where the task's files go: the execution's own storage prefix (ExecutionRecord.storagePrefix), recordsPrefix when absent */
  filesPrefix?: string;
  /** a flowable whose children run here in one folder (WorkingDirectory): what the worker needs to report them */
  sharedFolder?: SharedFolderJob;
  /** where the flow wrote a whole float in the task (`1.0`, core's writtenDoubles): a Double after rendering, as in Kestra */
  doubles?: Array<Array<string | number>>;
  /** short documents of the context (inputs, trigger, outputs) as stored, by URI (job-docs.ts): the worker reads them without storage */
  docs?: Record<string, string>;
}

export interface SharedFolderJob {
  /** the iteration values a child's outputs are read under (OutputRef.values) */
  values?: string[];
  /**
   * children an earlier attempt started, by task id: their task runs get a new attempt rather than a twin.
   * `done`: this attempt resumes after a child's retry wait, and this child ended before it: it is not run again (its outputs, if any, are read)
   */
  children: Record<string, { taskRunId: string; attempts: number; done?: { outputsUri?: string } }>;
  /**
   * the retry policy each child follows (its own, else its nearest enclosing task's, else the flow's), by task id, with when its
   * task run's first attempt started: a child the policy retries stops the worker's run, and the executor waits for the retry
   */
  retries?: Record<string, RetrySpec & { firstAttemptDate?: string }>;
}

/** the attempts to stop: a worker aborts them if running, and never starts them if queued */
export interface KillMessage {
  executionId: string;
  taskRuns: Array<{ taskRunId: string; attempt: number }>;
}

export type LogBatch = LogEntry[];
