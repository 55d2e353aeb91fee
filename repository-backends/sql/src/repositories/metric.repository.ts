import type { MetricEntry, MetricRepository } from "@ferry/sdk";
import { and, asc, eq } from "drizzle-orm";
import { metricFromRow } from "../rows.js";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Task metrics: appended in batches, read in the order written (`seq`). */
export class SqlMetricRepository<Db extends SqlDatabase> implements MetricRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async appendMetrics(entries: MetricEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.ctx.db().insert(this.ctx.tables.metrics).values(entries.map((m) => ({ ...m, tags: m.tags ?? {} })));
  }

  async findMetrics(executionId: string, filter: { taskId?: string; taskRunId?: string } = {}): Promise<MetricEntry[]> {
    const { metrics } = this.ctx.tables;
    const rows = (await this.ctx.db()
      .select()
      .from(metrics)
      .where(
        and(
          eq(metrics.executionId, executionId),
          filter.taskId ? eq(metrics.taskId, filter.taskId) : undefined,
          filter.taskRunId ? eq(metrics.taskRunId, filter.taskRunId) : undefined,
        ),
      )
      .orderBy(asc(metrics.seq)));
    return rows.map(metricFromRow);
  }
}
