export type ExecutionState =
  | "CREATED"
  | "RUNNING"
  | "PAUSED"
  /**
   * an Approval runs its `onWait` tasks: the execution goes PAUSED once every Approval that does has ended
   * them (Kestra's ApprovalTest: "the execution was PAUSING while onWait ran, then PAUSED once it finished"). Not an end.
   */
  | "PAUSING"
  | "SUCCESS"
  | "WARNING"
  | "FAILED"
  | "KILLING"
  | "KILLED"
  /** ended by `execution.Exit` with state CANCELED, or a task run cancelled */
  | "CANCELLED"
  /** ended by a failure that `retry.behavior: CREATE_NEW_EXECUTION` retries in a new execution */
  | "RETRIED"
  /** waiting for a concurrency slot */
  | "QUEUED"
  /**
   * restarted, replayed from a task run or a task run marked (Kestra's ExecutionService.restart,
   * replay, markAs): what those calls answer; the executor's next step moves it on to RUNNING
   * (Kestra's ExecutorService.handleRestart). Not an end.
   */
  | "RESTARTED";

export type TaskRunState =
  | "CREATED"
  | "QUEUED"
  | "RUNNING"
  | "RETRYING"
  | "SUCCESS"
  | "WARNING"
  | "FAILED"
  | "KILLED"
  | "SKIPPED"
  | "CANCELLED"
  /** failed, and retried in a new execution (`retry.behavior: CREATE_NEW_EXECUTION`) */
  | "RETRIED"
  /** a Pause task holding its execution until it is resumed (or its pauseDuration passes) */
  | "PAUSED"
  /** to run again in a restart or replay: it gets its next attempt as the execution goes back to RUNNING */
  | "RESTARTED";

export const EXECUTION_STATES: readonly ExecutionState[] = [
  "CREATED", "RUNNING", "PAUSED", "PAUSING", "SUCCESS", "WARNING", "FAILED", "KILLING", "KILLED", "CANCELLED", "RETRIED", "QUEUED", "RESTARTED",
];

/**
 * Every value of Kestra's State.Type (core/models/flows/State.java: SUBMITTED, BREAKPOINT and
 * RESUBMITTED included), plus Ferry's PAUSING: what a task or trigger property typed State.Type
 * accepts (`schema.stateType`). Several are never an execution's state in Ferry (SUBMITTED, RETRYING,
 * SKIPPED, BREAKPOINT, RESUBMITTED): a filter naming only those matches no execution, never all of them.
 */
export const STATE_TYPES = [
  "CREATED", "SUBMITTED", "RUNNING", "PAUSED", "PAUSING", "RESTARTED", "KILLING", "SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "QUEUED",
  "RETRYING", "RETRIED", "SKIPPED", "BREAKPOINT", "RESUBMITTED",
] as const;
export type StateType = (typeof STATE_TYPES)[number];

/** the states of `wanted` an execution can be in: a filter that keeps none of them matches no execution */
export function executionStatesOf(wanted: readonly string[]): ExecutionState[] {
  return wanted.filter((state): state is ExecutionState => (EXECUTION_STATES as readonly string[]).includes(state));
}

// Kestra's State.Type.isTerminated()
const TERMINAL = new Set<string>(["SUCCESS", "WARNING", "FAILED", "KILLED", "SKIPPED", "CANCELLED", "RETRIED"]);

export function isTerminal(state: ExecutionState | TaskRunState): boolean {
  return TERMINAL.has(state);
}

export function isFailure(state: ExecutionState | TaskRunState): boolean {
  return state === "FAILED" || state === "KILLED";
}

export interface StateHistory<S extends string> {
  state: S;
  date: string;
}

export interface StateRecord<S extends string> {
  current: S;
  histories: StateHistory<S>[];
  startDate: string;
  endDate?: string;
  /** ISO-8601 duration, set once terminal */
  duration?: string;
}
