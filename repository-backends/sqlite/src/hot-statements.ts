import { ConflictError, type ExecutionRecord, type FlowRecord, type KvRecord, type LogEntry, type TaskRunRecord } from "@ferry/sdk";
import type Database from "better-sqlite3";
import { executionFromRow, executionToRow, logToRow, taskRunFromRow, taskRunToRow } from "@ferry/repository-sql";

/**
 * The executor's hot path as prepared statements. drizzle builds and prepares each query
 * anew on every call; profiling benchmark01 showed that at half the server's CPU. These
 * few statements run on every executor event, so they are prepared once here; the
 * tables, migrations and every other query stay with drizzle.
 */
const EXECUTION_COLUMNS = `id, namespace, flow_id as flowId, flow_revision as flowRevision, state, state_record as stateRecord,
  inputs_uri as inputsUri, outputs_uri as outputsUri, labels, trigger, parent, storage_prefix as storagePrefix, created, updated, version, metadata`;
const TASK_RUN_COLUMNS = `id, execution_id as executionId, task_id as taskId, parent_task_run_id as parentTaskRunId, value, state,
  state_record as stateRecord, attempts, outputs_uri as outputsUri, plan_uri as planUri, subflow_execution_id as subflowExecutionId`;

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
const parse = (v: unknown) => (typeof v === "string" ? JSON.parse(v) : v);

export class HotStatements {
  private readonly selectExecution: Database.Statement;
  private readonly selectTaskRuns: Database.Statement;
  private readonly upsertExecution: Database.Statement;
  private readonly updateExecutionAtVersion: Database.Statement;
  private readonly upsertTaskRun: Database.Statement;
  private readonly insertLog: Database.Statement;
  private readonly selectLatestFlow: Database.Statement;
  private readonly selectKv: Database.Statement;
  readonly saveAll: (execution: ExecutionRecord, runs: TaskRunRecord[], expectedVersion?: number) => void;
  readonly appendLogs: (entries: LogEntry[]) => void;

  constructor(db: Database.Database) {
    this.selectLatestFlow = db.prepare(`select namespace, id, revision, source, deleted, updated from flows
      where namespace = ? and id = ? order by revision desc limit 1`);
    this.selectExecution = db.prepare(`select ${EXECUTION_COLUMNS} from executions where id = ?`);
    // every kv() in a template and every GET of the KV API reads one pair
    this.selectKv = db.prepare("select namespace, key, type, value_uri as valueUri, expires, created, updated from kv where namespace = ? and key = ?");
    this.selectTaskRuns = db.prepare(`select ${TASK_RUN_COLUMNS} from task_runs where execution_id = ? order by id`);
    this.upsertExecution = db.prepare(`insert into executions (id, namespace, flow_id, flow_revision, state, state_record, inputs_uri,
      outputs_uri, labels, trigger, parent, storage_prefix, created, updated, version, metadata)
      values (@id, @namespace, @flowId, @flowRevision, @state, @stateRecord, @inputsUri, @outputsUri, @labels, @trigger, @parent, @storagePrefix, @created, @updated, @version, @metadata)
      on conflict (id) do update set state = excluded.state, state_record = excluded.state_record, inputs_uri = excluded.inputs_uri,
      outputs_uri = excluded.outputs_uri, labels = excluded.labels, trigger = excluded.trigger, parent = excluded.parent,
      storage_prefix = excluded.storage_prefix, updated = excluded.updated, version = excluded.version, metadata = excluded.metadata`);
    this.updateExecutionAtVersion = db.prepare(`update executions set state = @state, state_record = @stateRecord, inputs_uri = @inputsUri,
      outputs_uri = @outputsUri, labels = @labels, trigger = @trigger, parent = @parent, storage_prefix = @storagePrefix,
      updated = @updated, version = version + 1, metadata = @metadata where id = @id and version = @expected`);
    this.upsertTaskRun = db.prepare(`insert into task_runs (id, execution_id, task_id, parent_task_run_id, value, state, state_record,
      attempts, outputs_uri, plan_uri, subflow_execution_id)
      values (@id, @executionId, @taskId, @parentTaskRunId, @value, @state, @stateRecord, @attempts, @outputsUri, @planUri, @subflowExecutionId)
      on conflict (id) do update set state = excluded.state, state_record = excluded.state_record, attempts = excluded.attempts,
      outputs_uri = excluded.outputs_uri, plan_uri = excluded.plan_uri, subflow_execution_id = excluded.subflow_execution_id`);
    this.insertLog = db.prepare(`insert into logs (execution_id, namespace, flow_id, task_id, task_run_id, attempt_number, level, level_rank, message, timestamp)
      values (@executionId, @namespace, @flowId, @taskId, @taskRunId, @attemptNumber, @level, @levelRank, @message, @timestamp)`);
    const save = db.transaction((execution: ExecutionRecord, runs: TaskRunRecord[], expectedVersion?: number) => {
      const e = executionToRow(execution);
      const values = { ...e, stateRecord: json(e.stateRecord), labels: json(e.labels), trigger: json(e.trigger), parent: json(e.parent), metadata: json(e.metadata) };
      if (expectedVersion === undefined) this.upsertExecution.run(values);
      else if (this.updateExecutionAtVersion.run({ ...values, expected: expectedVersion }).changes === 0) {
        throw new ConflictError(`execution ${execution.id} was saved by another executor (expected version ${expectedVersion})`);
      }
      for (const run of runs) {
        const r = taskRunToRow(run);
        this.upsertTaskRun.run({ ...r, stateRecord: json(r.stateRecord), attempts: json(r.attempts) });
      }
    });
    // IMMEDIATE: take the write lock first, so another process cannot slip in between
    this.saveAll = (execution, runs, expectedVersion) => save.immediate(execution, runs, expectedVersion);
    this.appendLogs = db.transaction((entries: LogEntry[]) => {
      for (const entry of entries) this.insertLog.run(logToRow(entry));
    });
  }

  /** the latest revision of a flow (every execution request reads it) */
  latestFlow(namespace: string, id: string): FlowRecord | undefined {
    const row = this.selectLatestFlow.get(namespace, id) as (Omit<FlowRecord, "deleted"> & { deleted: number }) | undefined;
    return row ? { ...row, deleted: row.deleted === 1 } : undefined;
  }

  getKv(namespace: string, key: string): KvRecord | undefined {
    const row = this.selectKv.get(namespace, key) as (KvRecord & { expires: string | null }) | undefined;
    return row && { ...row, expires: row.expires ?? undefined };
  }

  getExecution(id: string): { execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined {
    const row = this.selectExecution.get(id) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    const execution = executionFromRow({ ...row, stateRecord: parse(row.stateRecord), labels: parse(row.labels), trigger: parse(row.trigger), parent: parse(row.parent), metadata: parse(row.metadata) } as never);
    const taskRuns = (this.selectTaskRuns.all(id) as Array<Record<string, unknown>>).map((r) =>
      taskRunFromRow({ ...r, stateRecord: parse(r.stateRecord), attempts: parse(r.attempts) } as never),
    );
    return { execution, taskRuns };
  }
}
