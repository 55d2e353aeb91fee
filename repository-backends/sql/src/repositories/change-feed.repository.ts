import type { ChangeFeedRepository, HistoryExecution, HistoryLogEntry, HistoryMetricEntry } from "@ferry/sdk";
import { and, asc, gt, gte, inArray, or } from "drizzle-orm";
import { executionFromRow, logFromRow, metricFromRow, taskRunFromRow, type TaskRunRow } from "../rows.js";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/**
 * What the history exporter follows in the primary: executions by (`updated`, `id`), log
 * lines and metrics by their `seq`. Reads only; the ordering columns are the tables' own.
 * Executions come with their task runs read in the same transaction (one snapshot).
 */
export class SqlChangeFeedRepository<Db extends SqlDatabase> implements ChangeFeedRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  listExecutionChanges(after: { updated: string; id: string }, limit: number): Promise<HistoryExecution[]> {
    const { executions, taskRuns } = this.ctx.tables;
    return this.ctx.transaction(async (tx) => {
      const rows = await tx
        .select()
        .from(executions)
        // `updated >=` bounds the walk of the (updated, id) index; the OR drops what that date already gave
        .where(and(gte(executions.updated, after.updated), or(gt(executions.updated, after.updated), gt(executions.id, after.id))))
        .orderBy(asc(executions.updated), asc(executions.id))
        .limit(limit);
      if (!rows.length) return [];
      const runs = await tx.select().from(taskRuns).where(inArray(taskRuns.executionId, rows.map((r) => r.id))).orderBy(asc(taskRuns.id));
      const byExecution = new Map<string, TaskRunRow[]>();
      for (const run of runs) byExecution.set(run.executionId, [...(byExecution.get(run.executionId) ?? []), run]);
      return rows.map((row) => ({ execution: executionFromRow(row), taskRuns: (byExecution.get(row.id) ?? []).map(taskRunFromRow) }));
    });
  }

  async listLogsAfter(seq: number, limit: number): Promise<HistoryLogEntry[]> {
    const { logs } = this.ctx.tables;
    const rows = await this.ctx.db().select().from(logs).where(gt(logs.seq, seq)).orderBy(asc(logs.seq)).limit(limit);
    return rows.map((row) => ({ ...logFromRow(row), seq: Number(row.seq) }));
  }

  async listMetricsAfter(seq: number, limit: number): Promise<HistoryMetricEntry[]> {
    const { metrics } = this.ctx.tables;
    const rows = await this.ctx.db().select().from(metrics).where(gt(metrics.seq, seq)).orderBy(asc(metrics.seq)).limit(limit);
    return rows.map((row) => ({ ...metricFromRow(row), seq: Number(row.seq) }));
  }
}
