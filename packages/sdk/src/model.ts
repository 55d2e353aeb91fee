import type { ExecutionState, StateRecord, TaskRunState } from "./states.js";

/** A revision of a flow, as the repository keeps it. The YAML source is the truth. */
export interface FlowRecord {
  namespace: string;
  id: string;
  revision: number;
  source: string;
  deleted: boolean;
  updated: string;
}

export interface Attempt {
  state: StateRecord<TaskRunState>;
  /** worker that ran it, when known */
  workerId?: string;
  /** the task did not run: its outputs came from the task cache (`taskCache`) */
  cached?: boolean;
  /** logToFile: the attempt's log lines, as a file in internal storage */
  logFile?: string;
  /** a failed attempt the retry policy follows with another: when that one is due (so a lost timer is armed again, never fired early) */
  retryAt?: string;
  /**
   * the one attempt of a flowable the executor resolves itself (Kestra ≥ 1.2 gives every flowable one, RUNNING from its
   * start, ending as it ends): no worker runs it. A WorkingDirectory's attempts, which a worker runs, are not marked
   */
  flowable?: boolean;
}

/**
 * A task run as stored: metadata and pointers only. Outputs live in internal storage
 * at `outputsUri`; a flowable task's chosen branches at `planUri`.
 */
export interface TaskRunRecord {
  id: string;
  executionId: string;
  taskId: string;
  parentTaskRunId?: string;
  value?: string;
  state: StateRecord<TaskRunState>;
  attempts: Attempt[];
  outputsUri?: string;
  planUri?: string;
  /** child execution of a Subflow task */
  subflowExecutionId?: string;
}

export interface ExecutionTrigger {
  id: string;
  type: string;
  /** where the trigger's variables (body, headers…) are stored, if any */
  variablesUri?: string;
}

/** An execution as stored: inputs and outputs are storage URIs, never values. */
export interface ExecutionRecord {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  state: StateRecord<ExecutionState>;
  inputsUri?: string;
  outputsUri?: string;
  labels: Record<string, string>;
  trigger?: ExecutionTrigger;
  parent?: { executionId: string; taskRunId: string };
  /** an execution may write its offloaded files under its own storage prefix */
  storagePrefix?: string;
  /** the execution's variables (`vars`) once a task changed them (SetVariables); the flow's `variables` until then */
  variablesUri?: string;
  /** the first execution of a chain of replays and new-execution retries (Kestra's originalId); its own id when absent */
  originalId?: string;
  /** which attempt of the flow this execution is, counting from 1 (retry.behavior CREATE_NEW_EXECUTION) */
  attemptNumber?: number;
  /** when the first execution of its chain was created: `retry.maxDuration` of new-execution retries counts from it */
  originalCreated?: string;
  /** the execution this one replays (a replay, or a retry in a new execution): Kestra's parentId */
  replayOf?: string;
  /** ended RETRIED (retry.behavior CREATE_NEW_EXECUTION): when the new execution is due, so a lost timer is armed again */
  retryAt?: string;
  /** Kestra's scheduleDate (ISO-8601 UTC): the execution waits CREATED until then, and only then starts */
  scheduleDate?: string;
  /**
   * A task decided how the execution ends (an Approval's SUCCEED or CANCEL behavior): nothing more
   * of its `tasks` starts, its `finally` runs, then it ends so (FAILED when its finally failed)
   */
  endsAs?: "SUCCESS" | "CANCELLED";
  /** the Approval task runs still running their `onWait`: the execution is PAUSING while one is */
  pausing?: string[];
  /**
   * Kestra's execution kind: LOOP for one iteration of a Loop task, a sub-execution of `parent`
   * (the Loop's task run) that runs the Loop's `tasks`, `errors` and `finally`; absent for a normal one
   */
  kind?: "LOOP";
  /** a LOOP execution's iteration (Kestra's LoopRun) */
  loopRun?: LoopRun;
  /** a Kill task's `propagateKill`: whether the kill reaches the executions this one started as subflows (unset: those still waited on) */
  killChildren?: boolean;
  /**
   * The task runs that ran in it but its task-run list no longer holds: those a LoopUntil dropped
   * with each iteration, counted with their durations (Kestra's ExecutionMetadata.taskRunStatistic
   * accumulator; its Loops' iterations are counted in their Loop's outputs)
   */
  discardedTaskRuns?: { count: number; durationSumMs: number; durationMinMs: number; durationMaxMs: number };
  created: string;
  updated: string;
  /**
   * Bumped by every save; a save that names the version it loaded fails with a
   * ConflictError when another executor saved in between (optimistic concurrency).
   */
  version?: number;
}

/**
 * One iteration of a Loop task, as its sub-execution carries it (Kestra's LoopRun): the Loop's
 * task, its task run in the parent execution, the iteration's item, the items of the Loops
 * around it (outermost first, as Kestra's Execution.computeParents appends each parent's own),
 * the root execution its `execution.*` templates read, and the outputs the parent's tasks had when it started (pointers,
 * as a job's context carries them), which its tasks read beside their own.
 */
export interface LoopRun {
  taskId: string;
  taskRunId: string;
  index: number;
  value: string;
  key?: string;
  parents: Array<{ index: number; value: string; key?: string }>;
  /** the NORMAL execution the Loops descend from: what `{{ execution.id }}` and `{{ execution.startDate }}` render in an iteration (LoopCaseTest.loopExpressionContext); absent in records written before it */
  root?: { id: string; startDate: string };
  /** how the iteration's declared outputs reach the Loop: in its outputs (FETCH) or as a stored file (STORE) */
  fetchType: "FETCH" | "STORE";
  outputs: Array<{ taskId: string; values?: string[]; uri: string }>;
}

/** Which trigger of which flow: trigger state and claims are keyed by it. */
export interface TriggerRef {
  namespace: string;
  flowId: string;
  triggerId: string;
}

/**
 * What the repository remembers about a trigger between fires and across restarts: whether
 * an operator disabled it and, for schedules, the last fire time evaluated and the next.
 */
export interface TriggerStateRecord extends TriggerRef {
  disabled: boolean;
  /** ISO-8601 UTC; only ever moves forward */
  lastFire?: string;
  nextFire?: string;
  updated: string;
}

export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR";

export const LOG_LEVELS: readonly LogLevel[] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

export interface LogEntry {
  executionId: string;
  namespace: string;
  flowId: string;
  taskId?: string;
  taskRunId?: string;
  attemptNumber?: number;
  level: LogLevel;
  message: string;
  timestamp: string;
}

/**
 * A secret as the database secret backend stores it: the value encrypted (AES-256-GCM,
 * base64 of IV and ciphertext), never in clear.
 */
export interface SecretRecord {
  namespace: string;
  name: string;
  ciphertext: string;
  updated: string;
}

export type KvType = "STRING" | "NUMBER" | "BOOLEAN" | "DATETIME" | "DATE" | "DURATION" | "JSON";
export const KV_TYPES: readonly KvType[] = ["STRING", "NUMBER", "BOOLEAN", "DATETIME", "DATE", "DURATION", "JSON"];

/** A KV pair's metadata; its value lives in internal storage at `valueUri`. */
export interface KvRecord {
  namespace: string;
  key: string;
  type: KvType;
  valueUri: string;
  /** ISO-8601; past it the pair is invisible and gets purged */
  expires?: string;
  created: string;
  updated: string;
}

/**
 * A connection of a namespace (inherited by its children). `values` are as given: a secret
 * field holds its `{{ secret('NAME') }}` reference, never the secret's value.
 */
export interface ConnectionRecord {
  namespace: string;
  id: string;
  type: string;
  values: Record<string, unknown>;
  description?: string;
  created: string;
  updated: string;
}

/** A number a task reported (Kestra's metrics): a counter's increment or a timer's seconds. */
export interface MetricEntry {
  executionId: string;
  namespace: string;
  flowId: string;
  taskId: string;
  taskRunId: string;
  name: string;
  type: "counter" | "timer";
  value: number;
  tags: Record<string, string>;
  timestamp: string;
}

/**
 * A task cache entry: the outputs a task run produced for one cache key (flow, task,
 * rendered properties and inputs, hashed), until it expires.
 */
export interface TaskCacheRecord {
  key: string;
  namespace: string;
  flowId: string;
  taskId: string;
  outputsUri: string;
  expires: string;
  created: string;
}

/**
 * One execution's place under its flow's concurrency limit (Kestra's `concurrency`): it holds
 * a slot (`running`) or waits in line for one, oldest `queuedAt` first.
 */
export interface ConcurrencySlotRecord {
  namespace: string;
  flowId: string;
  executionId: string;
  running: boolean;
  /** the limit of the execution's flow revision: how many may hold a slot while it waits */
  limit: number;
  /** its place in line: the execution's creation time */
  queuedAt: string;
}

/** Which ended executions a purge removes; dates are ISO-8601, `endedBefore` exclusive. */
export interface EndedExecutionsQuery {
  /** the namespace and its children */
  namespace?: string;
  flowId?: string;
  /** terminal states only; all of them when absent */
  states?: ExecutionState[];
  /** started at or after */
  startedAfter?: string;
  /** ended before */
  endedBefore: string;
}

/** Which logs a purge removes; dates are ISO-8601, `before` exclusive. */
export interface LogsQuery {
  namespace?: string;
  flowId?: string;
  executionId?: string;
  levels?: LogLevel[];
  after?: string;
  before: string;
}

export interface Page<T> {
  results: T[];
  total: number;
  /** `total` is an estimate: more matched than the exact count was asked to go up to */
  totalEstimated?: boolean;
}

export interface PageRequest {
  page: number;
  size: number;
}
