import {
  assignments, executionExists, executionFromRow, executionToRow, fromExcluded, hotPathColumns, logToRow, nameList, parsedRow, selectList, tableName, taskRunFromRow, taskRunToRow,
  withJsonAsText, type ExecutionRow, type FlowRow, type StatementColumn, type TaskRunRow,
} from "@ferry/repository-sql";
import { ConflictError, type ExecutionRecord, type FlowRecord, type LogEntry, type TaskRunRecord } from "@ferry/sdk";
import type postgres from "postgres";
import * as schema from "./schema.js";

const { executions, flows, logs, taskRuns } = schema;

/**
 * The executor's hot path in SQL written once, prepared by postgres.js per connection, its
 * column lists taken from the tables' definitions. Profiling distributed benchmark01 showed
 * drizzle's query building at a seventh of the scheduler's CPU; these statements run on every
 * executor event and webhook call, so they skip it. Every other query stays with drizzle.
 * Rows of any count go through unnest(), so each statement has one text (one prepared statement).
 */
const { flow: FLOW, execution: EXECUTION, executionChanges, executionVersionedChanges, taskRun: TASK_RUN, taskRunChanges, log: LOG } = hotPathColumns(schema);

/** a parameter of the column's type: JSON goes as text, cast */
const param = (c: StatementColumn, n: number) => (c.holds === "json" ? `$${n}::jsonb` : `$${n}`);

const SELECT_FLOW = `select ${selectList(FLOW)} from ${tableName(flows)} where "namespace" = $1 and "id" = $2 order by "revision" desc limit 1`;
/**
 * An execution and its task runs in ONE statement, so one snapshot: two queries (on two pool
 * connections) could see the execution after a save and its task runs before it — an
 * execution FAILED beside an errors task still QUEUED (seen in the conformance run).
 */
const SELECT_EXECUTION = `select ${selectList(EXECUTION)},
  (select coalesce(json_agg(r order by r.id), '[]'::json) from (select ${selectList(TASK_RUN)} from ${tableName(taskRuns)} where "execution_id" = $1) r) as "taskRuns"
  from ${tableName(executions)} where "id" = $1`;
const UPSERT_EXECUTION = `insert into ${tableName(executions)} (${nameList(EXECUTION)}) values (${EXECUTION.map((c, i) => param(c, i + 1)).join(", ")})
  on conflict ("id") do update set ${fromExcluded(executionChanges)}`;
const UPDATE_AT_VERSION = `update ${tableName(executions)} set ${assignments(executionVersionedChanges, (c, i) => param(c, i + 2))}, "version" = "version" + 1
  where "id" = $1 and "version" = $${executionVersionedChanges.length + 2}`;

/** rows from unnest() of one array per column ($first…), JSON as text arrays cast per row */
const insertUnnested = (table: string, columns: StatementColumn[], first: number) => {
  const arrays = columns.map((c, i) => `$${first + i}::${c.holds === "json" ? "text" : c.sqlType}[]`).join(", ");
  const values = columns.map((c) => (c.holds === "json" ? `"${c.name}"::jsonb` : `"${c.name}"`)).join(", ");
  return `insert into ${table} (${nameList(columns)}) select ${values} from unnest(${arrays}) as r(${nameList(columns)})`;
};
const upsertTaskRuns = (first: number) =>
  `${insertUnnested(tableName(taskRuns), TASK_RUN, first)} on conflict ("id") do update set ${fromExcluded(taskRunChanges)}`;
/** task runs written only if the execution's update (`saved`) matched its expected version */
const upsertTaskRunsIfSaved = (first: number) =>
  `${insertUnnested(tableName(taskRuns), TASK_RUN, first)} where exists (select 1 from saved) on conflict ("id") do update set ${fromExcluded(taskRunChanges)}`;
/**
 * The execution and its task runs in one statement, atomic without BEGIN/COMMIT round trips:
 * the task runs are written only if the execution's update matched its expected version.
 */
const SAVE_AT_VERSION = `with saved as (${UPDATE_AT_VERSION} returning 1),
  runs as (${upsertTaskRunsIfSaved(executionVersionedChanges.length + 3)} returning 1)
  select (select count(*) from saved)::int as saved`;
const SAVE_NEW = `with saved as (${UPSERT_EXECUTION} returning 1),
  runs as (${upsertTaskRuns(EXECUTION.length + 1)} returning 1)
  select (select count(*) from saved)::int as saved`;
/** a new execution and its task runs in one statement: nothing written when the id is taken (saved = 0) */
const INSERT_NEW = `with saved as (insert into ${tableName(executions)} (${nameList(EXECUTION)}) values (${EXECUTION.map((c, i) => param(c, i + 1)).join(", ")})
    on conflict ("id") do nothing returning 1),
  runs as (${upsertTaskRunsIfSaved(EXECUTION.length + 1)} returning 1)
  select (select count(*) from saved)::int as saved`;
const INSERT_LOGS = insertUnnested(tableName(logs), LOG, 1);

/** the values of these columns of a row, in order, JSON as text */
const valuesOf = (row: object, columns: StatementColumn[]) => {
  const values = withJsonAsText(row, columns);
  return columns.map((c) => values[c.key] ?? null);
};
/** one array per column of these rows, for unnest() */
const arraysOf = (rows: object[], columns: StatementColumn[]) => {
  const values = rows.map((row) => valuesOf(row, columns));
  return columns.map((_, i) => values.map((v) => v[i]));
};

const run = (sql: postgres.Sql, text: string, params: unknown[]) => sql.unsafe(text, params as never[], { prepare: true });

export class HotStatements {
  constructor(private readonly sql: postgres.Sql) {}

  async latestFlow(namespace: string, id: string): Promise<FlowRecord | undefined> {
    const [row] = await run(this.sql, SELECT_FLOW, [namespace, id]);
    return row && parsedRow<FlowRow>(row, FLOW);
  }

  async getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined> {
    const [row] = await run(this.sql, SELECT_EXECUTION, [id]);
    if (!row) return undefined;
    const { taskRuns: runs, ...fields } = row;
    const runRows = (typeof runs === "string" ? JSON.parse(runs) : runs) as Array<Record<string, unknown>>;
    return { execution: executionFromRow(parsedRow<ExecutionRow>(fields, EXECUTION)), taskRuns: runRows.map((r) => taskRunFromRow(parsedRow<TaskRunRow>(r, TASK_RUN))) };
  }

  async saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[], expectedVersion?: number): Promise<void> {
    const e = executionToRow(execution);
    const runArrays = arraysOf(runs.map(taskRunToRow), TASK_RUN);
    if (expectedVersion === undefined) {
      const values = valuesOf(e, EXECUTION);
      await (runs.length ? run(this.sql, SAVE_NEW, [...values, ...runArrays]) : run(this.sql, UPSERT_EXECUTION, values));
      return;
    }
    const values = [e.id, ...valuesOf(e, executionVersionedChanges), expectedVersion];
    const [{ saved }] = await run(this.sql, SAVE_AT_VERSION, [...values, ...runArrays]);
    if (saved === 0) throw new ConflictError(`execution ${execution.id} was saved by another executor (expected version ${expectedVersion})`);
  }

  async insertExecution(execution: ExecutionRecord, runs: TaskRunRecord[]): Promise<void> {
    const values = valuesOf(executionToRow(execution), EXECUTION);
    const [{ saved }] = await run(this.sql, INSERT_NEW, [...values, ...arraysOf(runs.map(taskRunToRow), TASK_RUN)]);
    if (saved === 0) throw executionExists(execution.id);
  }

  async appendLogs(entries: LogEntry[]): Promise<void> {
    await run(this.sql, INSERT_LOGS, arraysOf(entries.map(logToRow), LOG));
  }
}
