import type postgres from "postgres";

/** advisory lock ids: schema creation, and partition creation (servers starting together do each once) */
export const SCHEMA_LOCK = 7_346_112_101;
export const PARTITION_LOCK = 7_346_112_102;

/** the tables partitioned by day, and the column each is partitioned by */
export const PARTITIONED = { executions: "created", logs: "timestamp", metrics: "timestamp" } as const;
export type PartitionedTable = keyof typeof PARTITIONED;

/**
 * The history database's layout. It is not a drizzle migration: drizzle-kit cannot declare
 * partitioned tables, and this database holds nothing but what the exporter can write again
 * (a rebuild re-exports it from the primary), so the layout is created idempotently at start.
 *
 * Every table is partitioned by day on the time a row is about (an execution's creation, a
 * line's timestamp): a search over a range reads only its days, and retention drops whole
 * days. A partitioned table's primary key must hold the partition column, so rows are keyed
 * by (day column, id / seq) — both fixed for a row's life, which keeps writes idempotent.
 */
const DDL = `
create table if not exists executions (
  id text not null,
  created timestamptz not null,
  updated timestamptz not null,
  namespace text not null,
  flow_id text not null,
  state text not null,
  labels jsonb not null,
  version integer not null,
  record jsonb not null,
  task_runs jsonb not null,
  primary key (created, id)
) partition by range (created);
create index if not exists executions_id on executions (id);
create index if not exists executions_flow on executions (namespace, flow_id, id desc);
create index if not exists executions_state on executions (state, id desc);
-- fastupdate off, as logs_words below: a pending list holds every label written since the last vacuum
create index if not exists executions_labels on executions using gin (labels jsonb_path_ops) with (fastupdate = off);
-- the day of each execution: a read by id finds its one partition here instead of probing the
-- id index of every day (an execution's creation never changes, so a row is written once)
create table if not exists execution_days (
  id text primary key,
  created timestamptz not null
);
create index if not exists execution_days_created on execution_days (created);

create table if not exists logs (
  seq bigint not null,
  timestamp timestamptz not null,
  execution_id text not null,
  namespace text not null,
  flow_id text not null,
  task_id text,
  task_run_id text,
  attempt_number integer,
  level text not null,
  level_rank smallint not null,
  message text not null,
  -- 'simple': words as written, lowercased, no stemming or stop words (log lines are not prose)
  message_words tsvector generated always as (to_tsvector('simple', message)) stored,
  primary key (timestamp, seq)
) partition by range (timestamp);
create index if not exists logs_execution on logs (execution_id, seq);
-- fastupdate off: with it, new entries wait in a pending list every search reads linearly
-- (80 ms for a day of 16,000 lines) and which the planner costs so high that it scanned every
-- partition instead of using the index. Writes pay the index at insert; searches stay cheap.
create index if not exists logs_words on logs using gin (message_words) with (fastupdate = off);
-- warnings and errors are few: a search for them (minLevel WARN or ERROR) walks these newest
-- first instead of filtering every line; level_rank 3 is WARN in LOG_LEVELS
create index if not exists logs_warnings on logs (timestamp, seq) where level_rank >= 3;

create table if not exists metrics (
  seq bigint not null,
  timestamp timestamptz not null,
  execution_id text not null,
  namespace text not null,
  flow_id text not null,
  task_id text not null,
  task_run_id text not null,
  name text not null,
  type text not null,
  value double precision not null,
  tags jsonb not null,
  primary key (timestamp, seq)
) partition by range (timestamp);
create index if not exists metrics_execution on metrics (execution_id, seq);

create table if not exists export_position (
  id smallint primary key check (id = 1),
  executions_updated text not null,
  executions_id text not null,
  logs bigint not null,
  metrics bigint not null
);
`;

/**
 * Layouts created before these changes: their log and label indexes kept a pending list (they
 * are made again without), and their executions had no day table (it is filled from them).
 * Each runs once.
 * `to_regclass` resolves in the search path: the generation being laid out.
 */
const UPGRADES = `
do $$ begin
  if exists (select 1 from pg_class where oid = to_regclass('logs_words') and not coalesce(reloptions, '{}') @> '{fastupdate=off}') then
    drop index logs_words;
  end if;
  if exists (select 1 from pg_class where oid = to_regclass('executions_labels') and not coalesce(reloptions, '{}') @> '{fastupdate=off}') then
    drop index executions_labels;
  end if;
end $$;
`;

/** makes `schema` the one unqualified names resolve to until the transaction ends */
export async function useSchema(tx: postgres.TransactionSql, schema: string): Promise<void> {
  await tx`select set_config('search_path', ${`"${schema}"`}, true)`;
}

/** the layout in `schema` (created or completed), inside the caller's transaction */
export async function createLayout(tx: postgres.TransactionSql, schema: string): Promise<void> {
  await tx.unsafe(`create schema if not exists "${schema}"`);
  await useSchema(tx, schema);
  const [{ days }] = await tx<Array<{ days: string | null }>>`select to_regclass('execution_days')::text as days`;
  const [{ executions }] = await tx<Array<{ executions: string | null }>>`select to_regclass('executions')::text as executions`;
  await tx.unsafe(UPGRADES);
  await tx.unsafe(DDL);
  if (executions && !days) await tx`insert into execution_days (id, created) select id, created from executions on conflict do nothing`;
}
