import { executionFromRow, executionToRow, logToRow, taskRunFromRow, taskRunToRow } from "@ferry/repository-sql";
import { ConflictError, type ExecutionRecord, type FlowRecord, type LogEntry, type TaskRunRecord } from "@ferry/sdk";
import type postgres from "postgres";

/**
 * The executor's hot path in SQL written once, prepared by postgres.js per connection.
 * Profiling distributed benchmark01 showed drizzle's query building at a seventh of the
 * scheduler's CPU; these statements run on every executor event and webhook call, so they
 * skip it. Tables, migrations and every other query stay with drizzle. Rows of any count go
 * through unnest(), so each statement has one text (one prepared statement).
 */
const EXECUTION_COLUMNS = `id, namespace, flow_id as "flowId", flow_revision as "flowRevision", state, state_record as "stateRecord",
  inputs_uri as "inputsUri", outputs_uri as "outputsUri", labels, trigger, parent, storage_prefix as "storagePrefix", created, updated, version, metadata`;
const TASK_RUN_COLUMNS = `id, execution_id as "executionId", task_id as "taskId", parent_task_run_id as "parentTaskRunId", value, state,
  state_record as "stateRecord", attempts, outputs_uri as "outputsUri", plan_uri as "planUri", subflow_execution_id as "subflowExecutionId"`;

const SELECT_FLOW = `select namespace, id, revision, source, deleted, updated from flows where namespace = $1 and id = $2 order by revision desc limit 1`;
/**
 * An execution and its task runs in ONE statement, so one snapshot: two queries (on two pool
 * connections) could see the execution after a save and its task runs before it — an
 * execution FAILED beside an errors task still QUEUED (seen in the conformance run).
 */
const SELECT_EXECUTION = `select ${EXECUTION_COLUMNS},
  (select coalesce(json_agg(r order by r.id), '[]'::json) from (select ${TASK_RUN_COLUMNS} from task_runs where execution_id = $1) r) as "taskRuns"
  from executions where id = $1`;
const EXECUTION_VALUES = `$1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9::jsonb, $10::jsonb, $11::jsonb, $12, $13, $14, $15, $16::jsonb`;
const UPSERT_EXECUTION = `insert into executions (id, namespace, flow_id, flow_revision, state, state_record, inputs_uri, outputs_uri,
  labels, trigger, parent, storage_prefix, created, updated, version, metadata) values (${EXECUTION_VALUES})
  on conflict (id) do update set state = excluded.state, state_record = excluded.state_record, inputs_uri = excluded.inputs_uri,
  outputs_uri = excluded.outputs_uri, labels = excluded.labels, trigger = excluded.trigger, parent = excluded.parent,
  storage_prefix = excluded.storage_prefix, updated = excluded.updated, version = excluded.version, metadata = excluded.metadata`;
const UPDATE_AT_VERSION = `update executions set state = $2, state_record = $3::jsonb, inputs_uri = $4, outputs_uri = $5, labels = $6::jsonb,
  trigger = $7::jsonb, parent = $8::jsonb, storage_prefix = $9, updated = $10, version = version + 1, metadata = $12::jsonb where id = $1 and version = $11`;
/** task runs from unnest() column arrays ($first to $first+10), upserted by id */
const upsertTaskRuns = (first: number) => {
  const p = Array.from({ length: 11 }, (_, i) => `$${first + i}::text[]`).join(", ");
  return `insert into task_runs (id, execution_id, task_id, parent_task_run_id, value, state, state_record, attempts,
  outputs_uri, plan_uri, subflow_execution_id)
  select id, execution_id, task_id, parent_task_run_id, value, state, state_record::jsonb, attempts::jsonb, outputs_uri, plan_uri, subflow_execution_id
  from unnest(${p}) as r(id, execution_id, task_id, parent_task_run_id, value, state, state_record, attempts, outputs_uri, plan_uri, subflow_execution_id)`;
};
const ON_TASK_RUN_CONFLICT = `on conflict (id) do update set state = excluded.state, state_record = excluded.state_record, attempts = excluded.attempts,
  outputs_uri = excluded.outputs_uri, plan_uri = excluded.plan_uri, subflow_execution_id = excluded.subflow_execution_id`;
/**
 * The execution and its task runs in one statement, atomic without BEGIN/COMMIT round trips:
 * the task runs are written only if the execution's update matched its expected version.
 */
const SAVE_AT_VERSION = `with saved as (${UPDATE_AT_VERSION} returning 1),
  runs as (${upsertTaskRuns(13)} where exists (select 1 from saved) ${ON_TASK_RUN_CONFLICT} returning 1)
  select (select count(*) from saved)::int as saved`;
const SAVE_NEW = `with saved as (${UPSERT_EXECUTION} returning 1),
  runs as (${upsertTaskRuns(17)} ${ON_TASK_RUN_CONFLICT} returning 1)
  select (select count(*) from saved)::int as saved`;
const INSERT_LOGS = `insert into logs (execution_id, namespace, flow_id, task_id, task_run_id, attempt_number, level, level_rank, message, timestamp)
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::int[], $9::text[], $10::text[])`;

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const parse = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);
/** column arrays of rows, in the given key order, for unnest() */
const columns = <R extends object>(rows: R[], keys: Array<keyof R>) => keys.map((k) => rows.map((r) => r[k] ?? null));

const run = (sql: postgres.Sql, text: string, params: unknown[]) => sql.unsafe(text, params as never[], { prepare: true });

export class HotStatements {
  constructor(private readonly sql: postgres.Sql) {}

  async latestFlow(namespace: string, id: string): Promise<FlowRecord | undefined> {
    const [row] = await run(this.sql, SELECT_FLOW, [namespace, id]);
    return row ? (row as unknown as FlowRecord) : undefined;
  }

  async getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined> {
    const [row] = await run(this.sql, SELECT_EXECUTION, [id]);
    if (!row) return undefined;
    const { taskRuns: runs, ...fields } = row as unknown as Record<string, unknown> & { taskRuns: unknown };
    const execution = executionFromRow({ ...fields, stateRecord: parse(fields.stateRecord), labels: parse(fields.labels), trigger: parse(fields.trigger), parent: parse(fields.parent), metadata: parse(fields.metadata) } as never);
    const runRows = parse(runs) as Array<Record<string, unknown>>;
    return { execution, taskRuns: runRows.map((r) => taskRunFromRow({ ...r, stateRecord: parse(r.stateRecord), attempts: parse(r.attempts) } as never)) };
  }

  async saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[], expectedVersion?: number): Promise<void> {
    const e = executionToRow(execution);
    const rows = runs.map((r) => {
      const row = taskRunToRow(r);
      return { ...row, stateRecord: json(row.stateRecord), attempts: json(row.attempts) };
    });
    const runColumns = columns(rows, ["id", "executionId", "taskId", "parentTaskRunId", "value", "state", "stateRecord", "attempts", "outputsUri", "planUri", "subflowExecutionId"]);
    if (expectedVersion === undefined) {
      const values = [e.id, e.namespace, e.flowId, e.flowRevision, e.state, json(e.stateRecord), e.inputsUri, e.outputsUri, json(e.labels), json(e.trigger), json(e.parent), e.storagePrefix, e.created, e.updated, e.version, json(e.metadata)];
      await (rows.length ? run(this.sql, SAVE_NEW, [...values, ...runColumns]) : run(this.sql, UPSERT_EXECUTION, values));
      return;
    }
    const values = [e.id, e.state, json(e.stateRecord), e.inputsUri, e.outputsUri, json(e.labels), json(e.trigger), json(e.parent), e.storagePrefix, e.updated, expectedVersion, json(e.metadata)];
    const [{ saved }] = await run(this.sql, SAVE_AT_VERSION, [...values, ...runColumns]);
    if (saved === 0) throw new ConflictError(`execution ${execution.id} was saved by another executor (expected version ${expectedVersion})`);
  }

  async appendLogs(entries: LogEntry[]): Promise<void> {
    const rows = entries.map(logToRow);
    await run(this.sql, INSERT_LOGS, columns(rows, ["executionId", "namespace", "flowId", "taskId", "taskRunId", "attemptNumber", "level", "levelRank", "message", "timestamp"]));
  }
}
