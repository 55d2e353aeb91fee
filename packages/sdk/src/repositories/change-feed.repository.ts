import type { HistoryExecution, HistoryLogEntry, HistoryMetricEntry } from "../history.js";

/**
 * The history exporter's feed: executions saved after `after`, ordered by (`updated`, `id`),
 * each with its task runs from the same snapshot; log lines and metrics after `seq`, by seq.
 * A repository without them cannot feed an exported history store (the server says so).
 */
export interface ChangeFeedRepository {
  listExecutionChanges?(after: { updated: string; id: string }, limit: number): Promise<HistoryExecution[]>;
  listLogsAfter?(seq: number, limit: number): Promise<HistoryLogEntry[]>;
  listMetricsAfter?(seq: number, limit: number): Promise<HistoryMetricEntry[]>;
}
