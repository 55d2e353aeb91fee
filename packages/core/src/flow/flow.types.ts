/** A flow as parsed from YAML: the author's words, templates not rendered. */
export interface RetrySpec {
  type: "constant" | "exponential" | "random";
  interval?: string;
  maxInterval?: string;
  minInterval?: string;
  delayFactor?: number;
  /** total attempts, the first included (Kestra's `maxAttempts`; its older `maxAttempt` is renamed on parse) */
  maxAttempts?: number;
  maxDuration?: string;
  warningOnRetry?: boolean;
  behavior?: "RETRY_FAILED_TASK" | "CREATE_NEW_EXECUTION";
}

export interface TaskSpec {
  id: string;
  type: string;
  description?: string;
  disabled?: boolean;
  allowFailure?: boolean;
  /** a WARNING of this task counts as SUCCESS */
  allowWarning?: boolean;
  timeout?: string;
  retry?: RetrySpec;
  /** refused at deploy, as Kestra OSS refuses it; never set on a parsed flow */
  workerGroup?: { key: string };
  logLevel?: "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR";
  logToFile?: boolean;
  taskCache?: { enabled: boolean; ttl?: string };
  /** Kestra's: the task runs only when this renders to true; otherwise its run is SKIPPED */
  runIf?: boolean | string;
  /** a flowable's local error branch: runs under it when its children failed */
  errors?: TaskSpec[];
  /** a flowable's local finally branch: runs under it once its children (and errors) ended */
  finally?: TaskSpec[];
  [property: string]: unknown;
}

export type InputType =
  | "STRING" | "INT" | "FLOAT" | "BOOLEAN" | "DATETIME" | "DATE" | "TIME" | "DURATION" | "JSON" | "YAML"
  | "FILE" | "SELECT" | "MULTISELECT" | "ARRAY" | "URI" | "EMAIL" | "SECRET" | "ENUM" | "OBJECT" | "TABLE";

export interface InputSpec {
  id: string;
  type: InputType;
  defaults?: unknown;
  required?: boolean;
  description?: string;
  displayName?: string;
  values?: unknown[];
  itemType?: InputType;
  validator?: string;
  min?: number;
  max?: number;
  /** asked for only once these inputs have a value and the condition holds */
  dependsOn?: { inputs?: string[]; condition?: string };
  /** SELECT/MULTISELECT: a template rendering to the values, when an execution starts */
  expression?: string;
  /** OBJECT: its typed properties, each an input declaration read from the key of the same id */
  properties?: InputSpec[];
  /** TABLE: the input declaration of each column, read from each row */
  columns?: InputSpec[];
  /** TABLE: the bounds on the number of rows */
  rows?: { min?: number; max?: number };
}

export interface OutputSpec {
  id: string;
  type: InputType;
  value: unknown;
  description?: string;
  displayName?: string;
  /** Kestra's default true: an output that fails to render, or renders to null, fails the execution; false makes it null with a WARN */
  required?: boolean;
}

export interface TriggerSpec {
  id: string;
  type: string;
  disabled?: boolean;
  [property: string]: unknown;
}

/** an EXECUTION_ASSERTION SLA (the only type a parsed flow carries) */
interface SlaBase {
  id: string;
  behavior: "FAIL" | "CANCEL" | "NONE";
  labels?: Record<string, string> | Array<{ key: string; value: string }>;
}
export type SlaSpec = (SlaBase & { type: "EXECUTION_ASSERTION"; assert: string }) | (SlaBase & { type: "MAX_DURATION"; duration: string });

export interface CheckSpec {
  condition: string;
  message: string;
  style?: "ERROR" | "SUCCESS" | "WARNING" | "INFO";
  behavior?: "BLOCK_EXECUTION" | "FAIL_EXECUTION" | "CREATE_EXECUTION";
}

export interface Flow {
  id: string;
  namespace: string;
  revision?: number;
  description?: string;
  disabled?: boolean;
  labels?: Record<string, string>;
  inputs?: InputSpec[];
  variables?: Record<string, unknown>;
  tasks: TaskSpec[];
  errors?: TaskSpec[];
  finally?: TaskSpec[];
  /** run once the execution ended, whatever its state; they do not change it */
  afterExecution?: TaskSpec[];
  outputs?: OutputSpec[];
  triggers?: TriggerSpec[];
  concurrency?: { limit: number; behavior?: "QUEUE" | "CANCEL" | "FAIL" };
  /** applies to failed tasks that have no retry of their own nor an enclosing task's */
  retry?: RetrySpec;
  sla?: SlaSpec[];
  /** Kestra's flow checks: conditions rendered when an execution is created (after its inputs) */
  checks?: CheckSpec[];
  pluginDefaults?: Array<{ type: string; values: Record<string, unknown>; forced?: boolean; ref?: string }>;
}

/** Options every task type takes, handled by the engine rather than the plugin. */
export const COMMON_TASK_KEYS = new Set([
  "id", "type", "description", "disabled", "allowFailure", "allowWarning", "timeout", "retry",
  "workerGroup", "logLevel", "taskCache", "logToFile", "runIf", "when", "pluginDefaultsRef",
]);
