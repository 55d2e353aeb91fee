import type { ExecutionRecord, FlowRecord, LogEntry, LogLevel, TaskRunRecord } from "@ferry/sdk";
import type { executions, flows, logs, taskRuns } from "./schema.js";

/** Row ⇄ record mapping: the one place column names meet the SDK's records. */
type Row<T extends { $inferSelect: unknown }> = T["$inferSelect"];

const opt = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

export const LEVEL_RANK: Record<LogLevel, number> = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4 };

export function flowFromRow(row: Row<typeof flows>): FlowRecord {
  return { namespace: row.namespace, id: row.id, revision: row.revision, source: row.source, deleted: row.deleted, updated: row.updated };
}

export function executionToRow(e: ExecutionRecord): Row<typeof executions> {
  return {
    id: e.id, namespace: e.namespace, flowId: e.flowId, flowRevision: e.flowRevision, state: e.state.current,
    stateRecord: e.state, inputsUri: e.inputsUri ?? null, outputsUri: e.outputsUri ?? null, labels: e.labels,
    trigger: e.trigger ?? null, parent: e.parent ?? null, storagePrefix: e.storagePrefix ?? null, created: e.created, updated: e.updated,
  };
}

export function executionFromRow(row: Row<typeof executions>): ExecutionRecord {
  return {
    id: row.id, namespace: row.namespace, flowId: row.flowId, flowRevision: row.flowRevision,
    state: row.stateRecord as ExecutionRecord["state"], inputsUri: opt(row.inputsUri), outputsUri: opt(row.outputsUri),
    labels: row.labels as Record<string, string>, trigger: opt(row.trigger) as ExecutionRecord["trigger"],
    parent: opt(row.parent) as ExecutionRecord["parent"], storagePrefix: opt(row.storagePrefix), created: row.created, updated: row.updated,
  };
}

export function taskRunToRow(t: TaskRunRecord): Row<typeof taskRuns> {
  return {
    id: t.id, executionId: t.executionId, taskId: t.taskId, parentTaskRunId: t.parentTaskRunId ?? null, value: t.value ?? null,
    state: t.state.current, stateRecord: t.state, attempts: t.attempts, outputsUri: t.outputsUri ?? null, planUri: t.planUri ?? null,
    subflowExecutionId: t.subflowExecutionId ?? null,
  };
}

export function taskRunFromRow(row: Row<typeof taskRuns>): TaskRunRecord {
  return {
    id: row.id, executionId: row.executionId, taskId: row.taskId, parentTaskRunId: opt(row.parentTaskRunId), value: opt(row.value),
    state: row.stateRecord as TaskRunRecord["state"], attempts: row.attempts as TaskRunRecord["attempts"],
    outputsUri: opt(row.outputsUri), planUri: opt(row.planUri), subflowExecutionId: opt(row.subflowExecutionId),
  };
}

export function logToRow(l: LogEntry): Omit<Row<typeof logs>, "seq"> {
  return {
    executionId: l.executionId, namespace: l.namespace, flowId: l.flowId, taskId: l.taskId ?? null, taskRunId: l.taskRunId ?? null,
    attemptNumber: l.attemptNumber ?? null, level: l.level, levelRank: LEVEL_RANK[l.level], message: l.message, timestamp: l.timestamp,
  };
}

export function logFromRow(row: Row<typeof logs>): LogEntry {
  return {
    executionId: row.executionId, namespace: row.namespace, flowId: row.flowId, taskId: opt(row.taskId), taskRunId: opt(row.taskRunId),
    attemptNumber: opt(row.attemptNumber), level: row.level as LogLevel, message: row.message, timestamp: row.timestamp,
  };
}
