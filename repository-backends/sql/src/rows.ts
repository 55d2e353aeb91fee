import type { ExecutionRecord, ExecutionState, FlowRecord, KvRecord, LogEntry, LogLevel, MetricEntry, TaskRunRecord, TriggerStateRecord } from "@ferry/sdk";

/**
 * Rows as every dialect's tables hold them (the same column keys in each schema.ts), and
 * their mapping to the SDK's records: the one place column names meet records.
 */
/** a flow row holds exactly a FlowRecord's fields */
export type FlowRow = FlowRecord;

export interface ExecutionRow {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  state: ExecutionState;
  stateRecord: unknown;
  inputsUri: string | null;
  outputsUri: string | null;
  labels: unknown;
  trigger: unknown;
  parent: unknown;
  /** Kestra's execution kind: null for a normal execution, LOOP for a Loop's iteration */
  kind: string | null;
  /** the parent's execution id (`parent.executionId`), searchable */
  parentId: string | null;
  storagePrefix: string | null;
  created: string;
  updated: string;
  version: number;
  /** ExecutionMetadata as JSON, or null when it holds nothing */
  metadata: unknown;
}

/** what an execution's `metadata` column holds: pointers and ids beside its state */
type ExecutionMetadata = Pick<ExecutionRecord, "variablesUri" | "originalId" | "attemptNumber" | "originalCreated" | "replayOf" | "retryAt" | "scheduleDate" | "killChildren" | "endsAs" | "pausing" | "loopRun" | "discardedTaskRuns">;
const METADATA_KEYS = ["variablesUri", "originalId", "attemptNumber", "originalCreated", "replayOf", "retryAt", "scheduleDate", "killChildren", "endsAs", "pausing", "loopRun", "discardedTaskRuns"] as const;

export interface TaskRunRow {
  id: string;
  executionId: string;
  taskId: string;
  parentTaskRunId: string | null;
  value: string | null;
  state: string;
  stateRecord: unknown;
  attempts: unknown;
  outputsUri: string | null;
  planUri: string | null;
  subflowExecutionId: string | null;
}

export interface TriggerRow {
  namespace: string;
  flowId: string;
  triggerId: string;
  disabled: boolean;
  lastFire: string | null;
  nextFire: string | null;
  updated: string;
}

export interface ClaimRow {
  key: string;
  executionId: string;
  expires: string;
  /** a once-only start's claim whose execution is not yet created: its holder's lease; null once created (and on every row older than the column) */
  pendingUntil?: string | null;
}

export interface LogRow {
  executionId: string;
  namespace: string;
  flowId: string;
  taskId: string | null;
  taskRunId: string | null;
  attemptNumber: number | null;
  level: string;
  levelRank: number;
  message: string;
  timestamp: string;
}

/** a row of an append-only table: its fields and the number the database gave it (insertion order) */
export type Sequenced<Row> = Row & { seq: number };

/** a KV pair's metadata as its table holds it: no expiry is null */
export type KvRow = Omit<KvRecord, "expires"> & { expires: string | null };

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export const LEVEL_RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

export function flowFromRow(row: FlowRow): FlowRecord {
  return { namespace: row.namespace, id: row.id, revision: row.revision, source: row.source, deleted: Boolean(row.deleted), updated: row.updated };
}

export function executionToRow(e: ExecutionRecord): ExecutionRow {
  return {
    id: e.id, namespace: e.namespace, flowId: e.flowId, flowRevision: e.flowRevision, state: e.state.current,
    stateRecord: e.state, inputsUri: e.inputsUri ?? null, outputsUri: e.outputsUri ?? null, labels: e.labels,
    trigger: e.trigger ?? null, parent: e.parent ?? null, kind: e.kind ?? null, parentId: e.parent?.executionId ?? null, storagePrefix: e.storagePrefix ?? null, created: e.created, updated: e.updated,
    version: e.version ?? 0, metadata: metadataOf(e),
  };
}

function metadataOf(e: ExecutionRecord): ExecutionMetadata | null {
  const metadata: Record<string, unknown> = {};
  for (const key of METADATA_KEYS) if (e[key] !== undefined) metadata[key] = e[key];
  return Object.keys(metadata).length ? (metadata as ExecutionMetadata) : null;
}

export function executionFromRow(row: ExecutionRow): ExecutionRecord {
  return {
    id: row.id, namespace: row.namespace, flowId: row.flowId, flowRevision: row.flowRevision,
    state: row.stateRecord as ExecutionRecord["state"], inputsUri: opt(row.inputsUri), outputsUri: opt(row.outputsUri),
    labels: row.labels as Record<string, string>, trigger: (row.trigger ?? undefined) as ExecutionRecord["trigger"],
    parent: (row.parent ?? undefined) as ExecutionRecord["parent"], ...(row.kind === "LOOP" ? { kind: "LOOP" as const } : {}), storagePrefix: opt(row.storagePrefix), created: row.created, updated: row.updated,
    version: Number(row.version),
    ...((typeof row.metadata === "string" ? JSON.parse(row.metadata) : row.metadata) as ExecutionMetadata | null),
  };
}

export function taskRunToRow(t: TaskRunRecord): TaskRunRow {
  return {
    id: t.id, executionId: t.executionId, taskId: t.taskId, parentTaskRunId: t.parentTaskRunId ?? null, value: t.value ?? null,
    state: t.state.current, stateRecord: t.state, attempts: t.attempts, outputsUri: t.outputsUri ?? null, planUri: t.planUri ?? null,
    subflowExecutionId: t.subflowExecutionId ?? null,
  };
}

export function taskRunFromRow(row: TaskRunRow): TaskRunRecord {
  return {
    id: row.id, executionId: row.executionId, taskId: row.taskId, parentTaskRunId: opt(row.parentTaskRunId), value: opt(row.value),
    state: row.stateRecord as TaskRunRecord["state"], attempts: row.attempts as TaskRunRecord["attempts"],
    outputsUri: opt(row.outputsUri), planUri: opt(row.planUri), subflowExecutionId: opt(row.subflowExecutionId),
  };
}

/** PostgreSQL's text cannot hold NUL; a log line shows U+FFFD for it on every database alike */
const NUL = /\u0000/g;

export function logToRow(l: LogEntry): LogRow {
  return {
    executionId: l.executionId, namespace: l.namespace, flowId: l.flowId, taskId: l.taskId ?? null, taskRunId: l.taskRunId ?? null,
    attemptNumber: l.attemptNumber ?? null, level: l.level, levelRank: LEVEL_RANK[l.level], message: l.message.replace(NUL, "\uFFFD"), timestamp: l.timestamp,
  };
}

export function logFromRow(row: LogRow): LogEntry {
  return {
    executionId: row.executionId, namespace: row.namespace, flowId: row.flowId, taskId: opt(row.taskId), taskRunId: opt(row.taskRunId),
    attemptNumber: opt(row.attemptNumber), level: row.level as LogLevel, message: row.message, timestamp: row.timestamp,
  };
}

export function triggerToRow(t: TriggerStateRecord): TriggerRow {
  return { namespace: t.namespace, flowId: t.flowId, triggerId: t.triggerId, disabled: t.disabled, lastFire: t.lastFire ?? null, nextFire: t.nextFire ?? null, updated: t.updated };
}

export function triggerFromRow(row: TriggerRow): TriggerStateRecord {
  return {
    namespace: row.namespace, flowId: row.flowId, triggerId: row.triggerId, disabled: Boolean(row.disabled),
    lastFire: opt(row.lastFire), nextFire: opt(row.nextFire), updated: row.updated,
  };
}

/** a metric row holds a MetricEntry's fields (and its sequence number) */
export type MetricRow = MetricEntry;

export function metricFromRow(row: MetricRow): MetricEntry {
  return {
    executionId: row.executionId, namespace: row.namespace, flowId: row.flowId, taskId: row.taskId, taskRunId: row.taskRunId,
    name: row.name, type: row.type, value: Number(row.value), tags: (typeof row.tags === "string" ? JSON.parse(row.tags) : row.tags) ?? {}, timestamp: row.timestamp,
  };
}

export function kvFromRow(row: KvRow): KvRecord {
  return { namespace: row.namespace, key: row.key, type: row.type, valueUri: row.valueUri, expires: row.expires ?? undefined, created: row.created, updated: row.updated };
}
