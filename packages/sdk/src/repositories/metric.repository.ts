import type { MetricEntry } from "../model.js";

/** numbers tasks reported (Kestra's metrics): metadata, like logs */
export interface MetricRepository {
  appendMetrics(entries: MetricEntry[]): Promise<void>;
  /** in the order they were appended */
  findMetrics(executionId: string, filter?: { taskId?: string; taskRunId?: string }): Promise<MetricEntry[]>;
}
