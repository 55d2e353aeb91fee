import type { LogEntry, LogLevel, LogsQuery } from "../model.js";

/** execution logs, secrets already masked by the caller */
export interface LogRepository {
  appendLogs(entries: LogEntry[]): Promise<void>;
  findLogs(executionId: string, filter?: { taskId?: string; taskRunId?: string; minLevel?: LogLevel }): Promise<LogEntry[]>;
  /** removes the logs matching; returns how many */
  purgeLogs(query: LogsQuery): Promise<number>;
}
