export type ExecutionState =
  | "CREATED"
  | "RUNNING"
  | "PAUSED"
  | "SUCCESS"
  | "WARNING"
  | "FAILED"
  | "KILLING"
  | "KILLED";

export type TaskRunState =
  | "CREATED"
  | "QUEUED"
  | "RUNNING"
  | "RETRYING"
  | "SUCCESS"
  | "WARNING"
  | "FAILED"
  | "KILLED"
  | "SKIPPED";

export const EXECUTION_STATES: readonly ExecutionState[] = [
  "CREATED", "RUNNING", "PAUSED", "SUCCESS", "WARNING", "FAILED", "KILLING", "KILLED",
];

const TERMINAL = new Set<string>(["SUCCESS", "WARNING", "FAILED", "KILLED", "SKIPPED"]);

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
