import {
  LOG_LEVELS, UserError, type ExecutionRecord, type HistorySearch, type HistoryExecution, type HistoryLogFilter, type HistoryMetricFilter, type MetricEntry, type HistoryLogSearch, type HistoryPage, type HistoryPageRequest,
  type LogEntry, type StateCount, type StateCountsQuery, type TaskRunRecord,
} from "@ferry/sdk";
import type postgres from "postgres";

const TERMINAL = ["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED"];
type Fragment = postgres.PendingQuery<postgres.Row[]>;

/** the namespace and its children */
const inNamespace = (sql: postgres.Sql, namespace?: string) =>
  namespace ? sql`and (namespace = ${namespace} or starts_with(namespace, ${`${namespace}.`}))` : sql``;

const iso = (value: Date | string) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());

/** PostgreSQL text cannot hold NUL: a query naming one is refused, not sent */
function assertNoNul(values: Array<string | undefined>): void {
  if (values.some((v) => v?.includes("\u0000"))) throw new UserError("a search value holds a NUL character", { status: 400 });
}

function offsetOf(request: HistoryPageRequest): number {
  return request.page && !request.after ? (request.page - 1) * request.size : 0;
}

/**
 * One page and its count, read in one snapshot (a repeatable-read transaction): read apart, an
 * export landing between the two showed a count of 1 over an empty page. The count stops at
 * `countUpTo`; past it the planner's estimate is given, marked as such, as the primary does.
 */
async function pageAndCount<Row>(
  sql: () => postgres.Sql,
  request: HistoryPageRequest,
  page: (tx: postgres.Sql) => Promise<Row[]>,
  matching: (tx: postgres.Sql) => Fragment,
): Promise<{ rows: Row[]; total: number; totalEstimated?: boolean }> {
  const cap = request.countUpTo;
  return (await sql().begin("isolation level repeatable read read only", async (tx) => {
    // each search is planned for its own values: a plan cached for any words (a generic plan)
    // takes a rare word for a common one and walks every day's lines in time order to find it
    await tx`set local plan_cache_mode = force_custom_plan`;
    const [rows, [{ n }]] = await Promise.all([
      page(tx as unknown as postgres.Sql),
      cap === undefined
        ? tx<Array<{ n: string }>>`select count(*) as n ${matching(tx as unknown as postgres.Sql)}`
        : tx<Array<{ n: string }>>`select count(*) as n from (select 1 ${matching(tx as unknown as postgres.Sql)} limit ${cap + 1}) capped`,
    ]);
    const counted = Number(n);
    if (cap === undefined || counted <= cap) return { rows, total: counted };
    const [plan] = await tx<Array<{ "QUERY PLAN": Array<{ Plan: { "Plan Rows": number } }> }>>`explain (format json) select 1 ${matching(tx as unknown as postgres.Sql)}`;
    return { rows, total: Math.max(counted, Math.round(plan["QUERY PLAN"][0].Plan["Plan Rows"])), totalEstimated: true };
  })) as { rows: Row[]; total: number; totalEstimated?: boolean };
}

/** The searches of the postgres history store, each one statement (plus its count). */
export class HistoryQueries {
  constructor(private readonly sql: () => postgres.Sql) {}

  async searchExecutions(query: HistorySearch & HistoryPageRequest): Promise<HistoryPage<ExecutionRecord>> {
    assertNoNul([query.namespace, query.flowId, query.after, query.parentId, ...(query.state ?? []), ...Object.entries(query.labels ?? {}).flat()]);
    // a fragment is built for each statement: postgres.js fragments are not to be shared by two.
    // An execution ends after it was created: `created <= endedBefore` follows from the end bound
    // and prunes the day partitions after it (without it, a day's search walked every later
    // day's id index, filtering: 1.8 s at 1,000,000 executions)
    const where = (sql: postgres.Sql) => sql`
      where true ${inNamespace(sql, query.namespace)}
      ${query.flowId ? sql`and flow_id = ${query.flowId}` : sql``}
      ${query.state?.length ? sql`and state = any(${query.state}::text[])` : sql``}
      ${query.kind === "LOOP" ? sql`and record->>'kind' = 'LOOP'` : sql`and record->>'kind' is null`}
      ${query.parentId ? sql`and record->'parent'->>'executionId' = ${query.parentId}` : sql``}
      ${query.labels && Object.keys(query.labels).length ? sql`and labels @> ${JSON.stringify(query.labels)}::text::jsonb` : sql``}
      ${query.startedAfter ? sql`and created >= ${query.startedAfter}::timestamptz` : sql``}
      ${query.endedBefore ? sql`and state = any(${TERMINAL}::text[]) and updated <= ${query.endedBefore}::timestamptz and created <= ${query.endedBefore}::timestamptz` : sql``}`;
    const { rows, total, totalEstimated } = await pageAndCount(this.sql, query, (tx) => {
      const before = query.after ? tx`and id < ${query.after}` : tx``;
      return tx<Array<{ record: ExecutionRecord }>>`select record from executions ${where(tx)} ${before} order by id desc limit ${query.size} offset ${offsetOf(query)}`;
    }, (tx) => tx`from executions ${where(tx)}`);
    const results = rows.map((r) => r.record);
    return { results, total, totalEstimated, next: results.length === query.size ? results[results.length - 1].id : undefined };
  }

  async getExecution(id: string): Promise<HistoryExecution | undefined> {
    if (id.includes("\u0000")) return undefined;
    // the day table names the execution's one partition: the others are pruned when the
    // statement runs (they show as "never executed" in its plan), none of their indexes probed
    const [row] = await this.sql()<Array<{ record: ExecutionRecord; task_runs: TaskRunRecord[] }>>`
      select record, task_runs from executions
      where id = ${id} and created = (select created from execution_days where id = ${id})`;
    return row && { execution: row.record, taskRuns: row.task_runs };
  }

  async findLogs(executionId: string, filter: HistoryLogFilter = {}): Promise<LogEntry[]> {
    const sql = this.sql();
    assertNoNul([executionId, filter.taskId, filter.taskRunId]);
    const rows = await sql<LogRow[]>`
      select * from logs where execution_id = ${executionId}
      ${filter.taskId ? sql`and task_id = ${filter.taskId}` : sql``}
      ${filter.taskRunId ? sql`and task_run_id = ${filter.taskRunId}` : sql``}
      ${filter.minLevel ? sql`and level_rank >= ${LOG_LEVELS.indexOf(filter.minLevel)}` : sql``}
      order by seq`;
    return rows.map(logOf);
  }

  async findMetrics(executionId: string, filter: HistoryMetricFilter = {}): Promise<MetricEntry[]> {
    const sql = this.sql();
    assertNoNul([executionId, filter.taskId, filter.taskRunId]);
    const rows = await sql<MetricRow[]>`
      select * from metrics where execution_id = ${executionId}
      ${filter.taskId ? sql`and task_id = ${filter.taskId}` : sql``}
      ${filter.taskRunId ? sql`and task_run_id = ${filter.taskRunId}` : sql``}
      order by seq`;
    return rows.map(metricOf);
  }

  async searchLogs(query: HistoryLogSearch): Promise<HistoryPage<LogEntry>> {
    if (!query.q.trim()) throw new UserError("a log search needs words to look for (q)", { status: 400 });
    assertNoNul([query.q, query.namespace, query.flowId]);
    const where = (sql: postgres.Sql) => sql`
      where message_words @@ plainto_tsquery('simple', ${query.q}) ${inNamespace(sql, query.namespace)}
      ${query.flowId ? sql`and flow_id = ${query.flowId}` : sql``}
      ${query.minLevel ? sql`and level_rank >= ${LOG_LEVELS.indexOf(query.minLevel)}` : sql``}
      ${query.from ? sql`and timestamp >= ${query.from}::timestamptz` : sql``}
      ${query.to ? sql`and timestamp < ${query.to}::timestamptz` : sql``}`;
    const cursor = query.after ? logCursor(query.after) : undefined;
    const { rows, total, totalEstimated } = await pageAndCount(this.sql, query, (tx) => {
      const after: Fragment = cursor ? tx`and (timestamp, seq) < (${cursor.timestamp}::timestamptz, ${cursor.seq}::bigint)` : tx``;
      return tx<LogRow[]>`select * from logs ${where(tx)} ${after} order by timestamp desc, seq desc limit ${query.size} offset ${offsetOf(query)}`;
    }, (tx) => tx`from logs ${where(tx)}`);
    const last = rows[rows.length - 1];
    return { results: rows.map(logOf), total, totalEstimated, next: rows.length === query.size ? `${iso(last.timestamp)}|${last.seq}` : undefined };
  }

  /** one GROUP BY over the range's day partitions; durations of the ended executions only */
  async countStates(query: StateCountsQuery): Promise<StateCount[]> {
    const sql = this.sql();
    assertNoNul([query.namespace, query.flowId]);
    const seconds = sql`case when state = any(${TERMINAL}::text[]) then extract(epoch from updated - created)::float8 end`;
    const group = query.groupBy === "flow"
      ? sql`namespace, flow_id`
      : sql`to_char(date_trunc(${query.groupBy}, created at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as bucket`;
    const rows = await sql<Array<{ bucket?: string; namespace?: string; flow_id?: string; state: string; n: string; min: number | null; max: number | null; sum: number | null }>>`
      select ${group}, state, count(*) as n, min(${seconds}) as min, max(${seconds}) as max, sum(${seconds}) as sum
      from executions
      where created >= ${query.from}::timestamptz and created < ${query.to}::timestamptz
      ${query.flowId && query.namespace ? sql`and namespace = ${query.namespace}` : inNamespace(sql, query.namespace)}
      ${query.flowId ? sql`and flow_id = ${query.flowId}` : sql``}
      and record->>'kind' is null
      group by ${query.groupBy === "flow" ? sql`namespace, flow_id` : sql`bucket`}, state`;
    return rows.map((r) => ({
      ...(query.groupBy === "flow" ? { namespace: r.namespace, flowId: r.flow_id } : { bucket: r.bucket }),
      state: r.state as StateCount["state"],
      count: Number(r.n),
      ...(r.min === null || r.max === null || r.sum === null ? {} : { duration: { min: r.min, max: r.max, sum: r.sum } }),
    }));
  }

}

interface LogRow {
  seq: string;
  timestamp: Date;
  execution_id: string;
  namespace: string;
  flow_id: string;
  task_id: string | null;
  task_run_id: string | null;
  attempt_number: number | null;
  level: LogEntry["level"];
  message: string;
}

function logOf(row: LogRow): LogEntry {
  return {
    executionId: row.execution_id, namespace: row.namespace, flowId: row.flow_id, taskId: row.task_id ?? undefined, taskRunId: row.task_run_id ?? undefined,
    attemptNumber: row.attempt_number ?? undefined, level: row.level, message: row.message, timestamp: iso(row.timestamp),
  };
}

interface MetricRow {
  timestamp: Date;
  execution_id: string;
  namespace: string;
  flow_id: string;
  task_id: string;
  task_run_id: string;
  name: string;
  type: MetricEntry["type"];
  value: number;
  tags: Record<string, string>;
}

function metricOf(row: MetricRow): MetricEntry {
  return {
    executionId: row.execution_id, namespace: row.namespace, flowId: row.flow_id, taskId: row.task_id, taskRunId: row.task_run_id,
    name: row.name, type: row.type, value: row.value, tags: row.tags, timestamp: iso(row.timestamp),
  };
}

function logCursor(cursor: string): { timestamp: string; seq: string } {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)\|(\d{1,18})$/.exec(cursor);
  if (!m || Number.isNaN(Date.parse(m[1])) || new Date(m[1]).toISOString() !== m[1]) throw new UserError(`the page cursor '${cursor.slice(0, 60)}' is not one this server gave`, { status: 400 });
  return { timestamp: m[1], seq: m[2] };
}
