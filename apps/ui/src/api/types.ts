/** The REST API's JSON shapes (Kestra's), as far as the UI reads them. */
export type ExecutionStateName = "CREATED" | "RUNNING" | "PAUSING" | "PAUSED" | "SUCCESS" | "WARNING" | "FAILED" | "KILLING" | "KILLED" | "QUEUED" | "RETRYING" | "SKIPPED" | "RESTARTED";
/** the states the executions list filters on; RESTARTED: restarted, replayed from a task run or marked, until the executor runs it again; PAUSING: an Approval runs its onWait, PAUSED once it ended */
export const EXECUTION_STATES: ExecutionStateName[] = ["CREATED", "QUEUED", "RUNNING", "RESTARTED", "PAUSING", "PAUSED", "SUCCESS", "WARNING", "FAILED", "KILLING", "KILLED"];
/** the dashboard's "Running": executions started and not ended nor waiting for a slot, an Approval's onWait (PAUSING) included */
export const RUNNING_STATES: ExecutionStateName[] = ["CREATED", "RUNNING", "PAUSING", "PAUSED"];
/** how many of the day's or range's executions are running, from their counts per state */
export const runningTotal = (counts: Partial<Record<string, number>>) => RUNNING_STATES.reduce((sum, state) => sum + (counts[state] ?? 0), 0);
export const TERMINAL = new Set(["SUCCESS", "WARNING", "FAILED", "KILLED"]);

export interface StateHistory {
  state: string;
  date: string;
}
export interface State {
  current: ExecutionStateName;
  histories: StateHistory[];
  startDate?: string;
  endDate?: string;
}

export interface InputSpec {
  id: string;
  type: string;
  defaults?: unknown;
  required?: boolean;
  description?: string;
  displayName?: string;
  /** a value, or `{label, value}`: the label shown, the value given (Kestra's ValueOption) */
  values?: Array<string | number | boolean | { label?: string | number | boolean; value: string | number | boolean }>;
  itemType?: string;
  allowCustomValue?: boolean;
  /** SELECT/MULTISELECT: with no defaults, the first value is the default (the server applies it too) */
  autoSelectFirst?: boolean;
  /** SELECT: its values shown as radio buttons rather than a drop-down (Kestra's isRadio) */
  isRadio?: boolean;
  /** the value the form starts with, which the user may clear (Kestra's prefill); the server never applies it */
  prefill?: unknown;
  min?: number;
  max?: number;
  validator?: string;
  allowedFileExtensions?: string[];
}

export interface Flow {
  id: string;
  namespace: string;
  revision: number;
  description?: string;
  disabled?: boolean;
  labels?: Record<string, string> | Array<{ key: string; value: string }>;
  inputs?: InputSpec[];
  tasks: Array<{ id: string; type: string }>;
  triggers?: Array<{ id: string; type: string; disabled?: boolean }>;
  updated?: string;
  deleted?: boolean;
  source: string;
}

/**
 * A flow labelled `system.readOnly: true` is not editable in the UI (Kestra's docs, concepts/system-labels: CI/CD-managed
 * flows); the API still takes a new revision, as Kestra OSS does (only its Enterprise Edition restricts that).
 */
export function isReadOnlyFlow(flow: Pick<Flow, "labels">): boolean {
  const labels = flow.labels;
  if (!labels) return false;
  const value = Array.isArray(labels) ? labels.find((l) => l.key === "system.readOnly")?.value : labels["system.readOnly"];
  return String(value).toLowerCase() === "true";
}

export interface Revision {
  revision: number;
  updated: string;
  source: string;
}

export interface Attempt {
  state: State;
  workerId?: string;
  cached?: boolean;
}
export interface TaskRun {
  id: string;
  taskId: string;
  parentTaskRunId: string | null;
  value: string | null;
  state: State;
  attempts: Attempt[];
  outputs: Record<string, unknown> | null;
  subflowExecutionId?: string;
}
export interface Execution {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  state: State;
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown> | { purged: true; message: string };
  labels: Array<{ key: string; value: string }>;
  trigger?: { id: string; type: string; variables?: unknown };
  parentId?: string;
  /** LOOP: one iteration of a Loop task, a sub-execution of `parentId` */
  kind?: "LOOP";
  loopRun?: { taskId: string; taskRunId: string; index: number; value: string; key?: string };
  taskRunList: TaskRun[];
}

export interface Page<T> {
  results: T[];
  total: number;
  /** total is the server's estimate (more matched than it counts exactly) */
  totalEstimated?: boolean;
}

export interface LogEntry {
  executionId: string;
  taskId?: string;
  taskRunId?: string;
  attemptNumber?: number;
  level: "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR";
  message: string;
  timestamp: string;
}
export const LOG_LEVELS: LogEntry["level"][] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"];

export interface GraphNode {
  uid: string;
  type: "start" | "end" | "task" | "trigger" | "cluster-end";
  taskId?: string;
  taskType?: string;
  kind?: "runnable" | "flowable" | "subflow" | "execution";
  subflow?: { namespace: string; flowId: string };
  disabled?: boolean;
}
export interface GraphEdge {
  source: string;
  target: string;
  relation: { relationType: string; value?: string };
}
export interface GraphCluster {
  cluster: { uid: string; taskId?: string; type: string };
  nodes: string[];
  parents: string[];
}
export interface FlowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  clusters: GraphCluster[];
}

export interface TriggerItem {
  abstractTrigger: { id: string; type: string; key?: string; cron?: string; disabled?: boolean; [k: string]: unknown };
  triggerContext: { namespace: string; flowId: string; triggerId: string; kind: string | null; disabled: boolean; date: string | null; nextExecutionDate: string | null };
}

export interface KvEntry {
  key: string;
  type?: string;
  creationDate?: string;
  updateDate?: string;
  expirationDate?: string | null;
  [k: string]: unknown;
}

export interface DailyStatistics {
  startDate: string;
  duration: { min: number; avg: number; max: number; sum: number; count: number };
  executionCounts: Record<string, number>;
}
export interface FlowStatistics {
  namespace: string;
  flowId: string;
  executionCounts: Record<string, number>;
  duration: { avg: number; max: number; count: number };
}

export interface PluginSummary {
  name: string;
  version: string;
  tasks: Array<{ type: string; aliases: string[]; kind: string; title: string }>;
  triggers: Array<{ type: string; aliases: string[]; kind: string | null; title: string }>;
}
export interface PluginDoc {
  type: string;
  kind: "task" | "trigger";
  taskKind: string | null;
  title: string;
  description: string | null;
  aliases: string[];
  plugin: { name: string; version: string } | null;
  examples: Array<{ title: string; flow: string }>;
  markdown: string;
  schema: { properties: JsonSchema; outputs?: JsonSchema };
}
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  description?: string;
  default?: unknown;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  [k: string]: unknown;
}
