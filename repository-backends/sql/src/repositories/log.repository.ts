import type { LogEntry, LogLevel, LogRepository, LogsQuery } from "@ferry/sdk";
import { and, asc, eq, gte, inArray, lt } from "drizzle-orm";
import { LEVEL_RANK, logFromRow, logToRow } from "../rows.js";
import { inNamespace } from "../sql-conditions.js";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Execution logs: appended in batches, read in the order written (`seq`), purged by range. */
export class SqlLogRepository<Db extends SqlDatabase> implements LogRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async appendLogs(entries: LogEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.ctx.db().insert(this.ctx.tables.logs).values(entries.map(logToRow));
  }

  async findLogs(executionId: string, filter: { taskId?: string; taskRunId?: string; minLevel?: LogLevel } = {}): Promise<LogEntry[]> {
    const { logs } = this.ctx.tables;
    const rows = (await this.ctx.db()
      .select()
      .from(logs)
      .where(
        and(
          eq(logs.executionId, executionId),
          filter.taskId ? eq(logs.taskId, filter.taskId) : undefined,
          filter.taskRunId ? eq(logs.taskRunId, filter.taskRunId) : undefined,
          filter.minLevel ? gte(logs.levelRank, LEVEL_RANK[filter.minLevel]) : undefined,
        ),
      )
      .orderBy(asc(logs.seq)));
    return rows.map(logFromRow);
  }

  async purgeLogs(query: LogsQuery): Promise<number> {
    const { logs } = this.ctx.tables;
    const where = and(
      lt(logs.timestamp, query.before),
      query.after ? gte(logs.timestamp, query.after) : undefined,
      inNamespace(logs.namespace, query.namespace),
      query.flowId ? eq(logs.flowId, query.flowId) : undefined,
      query.executionId ? eq(logs.executionId, query.executionId) : undefined,
      query.levels?.length ? inArray(logs.level, query.levels) : undefined,
    );
    return this.ctx.changedRows(await this.ctx.db().delete(logs).where(where));
  }
}
