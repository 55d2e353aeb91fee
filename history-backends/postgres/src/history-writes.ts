import { LOG_LEVELS, type HistoryBatch, type HistoryExecution, type HistoryPosition } from "@ferry/sdk";
import type postgres from "postgres";

/** rows per statement: arrays are sent as one parameter each, so this bounds memory, not parameter count */
const CHUNK = 2_000;

const newer = (a: HistoryExecution, b: HistoryExecution) =>
  (a.execution.version ?? 0) - (b.execution.version ?? 0) || a.execution.updated.localeCompare(b.execution.updated);

/** one row per execution, its newest version: one statement may not update a row twice */
export function newestPerExecution(executions: HistoryExecution[]): HistoryExecution[] {
  const byId = new Map<string, HistoryExecution>();
  for (const e of executions) {
    const held = byId.get(e.execution.id);
    if (!held || newer(e, held) > 0) byId.set(e.execution.id, e);
  }
  // one order for every writer: two writers of one batch lock rows in the same order, never in a cycle
  return [...byId.values()].sort((a, b) => a.execution.id.localeCompare(b.execution.id));
}

/**
 * JSON values go as text[] and are cast per row: postgres.js would take a JSON array inside a
 * jsonb[] parameter for another dimension of the array (task runs are arrays).
 */
const json = (values: unknown[]) => values.map((v) => JSON.stringify(v));

const chunks = <T>(rows: T[]) => Array.from({ length: Math.ceil(rows.length / CHUNK) }, (_, i) => rows.slice(i * CHUNK, (i + 1) * CHUNK));

/**
 * Writes a batch and the position after it in one transaction, idempotently: executions are
 * upserted keeping the newer (version, then updated) of stored and written, log lines and
 * metrics inserted unless their seq is stored. The position only moves forward, so a slow
 * writer finishing after a faster one cannot move it back.
 */
export async function writeBatch(tx: postgres.TransactionSql, batch: HistoryBatch, position: HistoryPosition): Promise<void> {
  for (const part of chunks(newestPerExecution(batch.executions))) {
    const e = part.map((x) => x.execution);
    await tx`
      insert into executions (id, created, updated, namespace, flow_id, state, labels, version, record, task_runs)
      select id, created, updated, namespace, flow_id, state, labels::jsonb, version, record::jsonb, task_runs::jsonb from unnest(
        ${e.map((x) => x.id)}::text[], ${e.map((x) => x.created)}::timestamptz[], ${e.map((x) => x.updated)}::timestamptz[],
        ${e.map((x) => x.namespace)}::text[], ${e.map((x) => x.flowId)}::text[], ${e.map((x) => x.state.current)}::text[],
        ${json(e.map((x) => x.labels))}::text[], ${e.map((x) => x.version ?? 0)}::int[],
        ${json(e)}::text[], ${json(part.map((x) => x.taskRuns))}::text[]
      ) as t(id, created, updated, namespace, flow_id, state, labels, version, record, task_runs)
      on conflict (created, id) do update set
        updated = excluded.updated, state = excluded.state, labels = excluded.labels, version = excluded.version,
        record = excluded.record, task_runs = excluded.task_runs
      where (executions.version, executions.updated) < (excluded.version, excluded.updated)`;
    await tx`
      insert into execution_days (id, created)
      select * from unnest(${e.map((x) => x.id)}::text[], ${e.map((x) => x.created)}::timestamptz[])
      on conflict do nothing`;
  }
  for (const l of chunks(batch.logs)) {
    await tx`
      insert into logs (seq, timestamp, execution_id, namespace, flow_id, task_id, task_run_id, attempt_number, level, level_rank, message)
      select * from unnest(
        ${l.map((x) => x.seq)}::bigint[], ${l.map((x) => x.timestamp)}::timestamptz[], ${l.map((x) => x.executionId)}::text[],
        ${l.map((x) => x.namespace)}::text[], ${l.map((x) => x.flowId)}::text[], ${l.map((x) => x.taskId ?? null)}::text[],
        ${l.map((x) => x.taskRunId ?? null)}::text[], ${l.map((x) => x.attemptNumber ?? null)}::int[], ${l.map((x) => x.level)}::text[],
        ${l.map((x) => LOG_LEVELS.indexOf(x.level))}::smallint[], ${l.map((x) => x.message)}::text[]
      )
      on conflict do nothing`;
  }
  for (const m of chunks(batch.metrics)) {
    await tx`
      insert into metrics (seq, timestamp, execution_id, namespace, flow_id, task_id, task_run_id, name, type, value, tags)
      select seq, timestamp, execution_id, namespace, flow_id, task_id, task_run_id, name, type, value, tags::jsonb from unnest(
        ${m.map((x) => x.seq)}::bigint[], ${m.map((x) => x.timestamp)}::timestamptz[], ${m.map((x) => x.executionId)}::text[],
        ${m.map((x) => x.namespace)}::text[], ${m.map((x) => x.flowId)}::text[], ${m.map((x) => x.taskId)}::text[],
        ${m.map((x) => x.taskRunId)}::text[], ${m.map((x) => x.name)}::text[], ${m.map((x) => x.type)}::text[],
        ${m.map((x) => x.value)}::float8[], ${json(m.map((x) => x.tags ?? {}))}::text[]
      ) as t(seq, timestamp, execution_id, namespace, flow_id, task_id, task_run_id, name, type, value, tags)
      on conflict do nothing`;
  }
  const { executions: cursor, logs, metrics } = position;
  await tx`
    insert into export_position (id, executions_updated, executions_id, logs, metrics)
    values (1, ${cursor.updated}, ${cursor.id}, ${logs}, ${metrics})
    on conflict (id) do update set
      executions_updated = case when (excluded.executions_updated, excluded.executions_id) > (export_position.executions_updated, export_position.executions_id)
        then excluded.executions_updated else export_position.executions_updated end,
      executions_id = case when (excluded.executions_updated, excluded.executions_id) > (export_position.executions_updated, export_position.executions_id)
        then excluded.executions_id else export_position.executions_id end,
      logs = greatest(export_position.logs, excluded.logs),
      metrics = greatest(export_position.metrics, excluded.metrics)`;
}
