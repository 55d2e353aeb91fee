import type postgres from "postgres";
import { PARTITION_LOCK, PARTITIONED, type PartitionedTable } from "./history-schema.js";

const DAY = 86_400_000;
/** partitions made past the newest day written: midnight's first rows need no DDL */
const AHEAD_DAYS = 1;

/** `2026-03-02` of an ISO-8601 time (UTC) */
export const dayOf = (iso: string) => new Date(iso).toISOString().slice(0, 10);
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
const partitionName = (table: PartitionedTable, day: string) => `${table}_p${day.replaceAll("-", "")}`;
const PARTITION_NAME = /^(executions|logs|metrics)_p(\d{4})(\d{2})(\d{2})$/;

/**
 * Day partitions of the history tables, created when a write first needs a day (and the day
 * after, ahead), dropped by retention. Known days are remembered per generation (schema), once
 * their creation committed, so a write of days that exist costs no query; creation holds an
 * advisory lock, so two writers never race on it.
 */
export class Partitions {
  private readonly known = new Set<string>();

  constructor(private readonly client: () => postgres.Sql) {}

  /**
   * Creates the missing partitions in the caller's transaction, whose search path is `schema`;
   * returns what to `remember` once it committed (a rolled back creation is not known).
   */
  async ensure(tx: postgres.TransactionSql, schema: string, table: PartitionedTable, times: Iterable<string>): Promise<string[]> {
    const days = new Set<string>();
    for (const time of times) {
      const day = dayOf(time);
      days.add(day);
      for (let i = 0, d = day; i < AHEAD_DAYS; i++) days.add((d = nextDay(d)));
    }
    const missing = [...days].filter((day) => !this.known.has(`${schema}.${partitionName(table, day)}`));
    if (!missing.length) return [];
    await tx`select pg_advisory_xact_lock(${PARTITION_LOCK})`;
    for (const day of missing) {
      const name = partitionName(table, day);
      await tx.unsafe(`create table if not exists ${name} partition of ${table} for values from ('${day}T00:00:00Z') to ('${nextDay(day)}T00:00:00Z')`);
    }
    return missing.map((day) => `${schema}.${partitionName(table, day)}`);
  }

  remember(keys: string[]): void {
    for (const key of keys) this.known.add(key);
  }

  /** drops every day partition of `schema` wholly before `cutoff` (ISO-8601); returns the names dropped */
  async dropBefore(schema: string, cutoff: string): Promise<string[]> {
    const cutoffDay = dayOf(cutoff);
    const rows = await this.client()<Array<{ name: string }>>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      join pg_namespace n on n.oid = p.relnamespace
      where n.nspname = ${schema} and p.relname in ('executions', 'logs', 'metrics')`;
    const old = rows.map((r) => r.name).filter((name) => {
      const m = PARTITION_NAME.exec(name);
      // a day ends where the next begins: it is wholly before the cutoff when the next day is not after it
      return m && nextDay(`${m[2]}-${m[3]}-${m[4]}`) <= cutoffDay;
    });
    if (!old.length) return [];
    await this.client().begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${PARTITION_LOCK})`;
      for (const name of old) await tx.unsafe(`drop table if exists "${schema}".${name}`);
      // the executions of those days are gone: their entries in the day table go with them
      await tx.unsafe(`delete from "${schema}".execution_days where created < $1::timestamptz`, [`${cutoffDay}T00:00:00Z`]);
    });
    for (const name of old) this.known.delete(`${schema}.${name}`);
    return old;
  }

  /** the whole layout lost (its database dropped): nothing is known to exist */
  forgetAll(): void {
    this.known.clear();
  }

  /** a generation dropped: its partitions went with it */
  forget(schema: string): void {
    for (const key of this.known) if (key.startsWith(`${schema}.`)) this.known.delete(key);
  }
}

export const partitionedTables = Object.keys(PARTITIONED) as PartitionedTable[];
