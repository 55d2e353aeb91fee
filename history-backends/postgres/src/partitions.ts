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
 * after, ahead), dropped by retention. Known days are remembered, so a write of days that
 * exist costs no query; creation holds an advisory lock, so two writers never race on it.
 */
export class Partitions {
  private readonly known = new Set<string>();

  constructor(private readonly client: () => postgres.Sql) {}

  async ensure(table: PartitionedTable, times: Iterable<string>): Promise<void> {
    const days = new Set<string>();
    for (const time of times) {
      const day = dayOf(time);
      days.add(day);
      for (let i = 0, d = day; i < AHEAD_DAYS; i++) days.add((d = nextDay(d)));
    }
    const missing = [...days].filter((day) => !this.known.has(partitionName(table, day)));
    if (!missing.length) return;
    await this.client().begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${PARTITION_LOCK})`;
      for (const day of missing) {
        const name = partitionName(table, day);
        await tx.unsafe(`create table if not exists ${name} partition of ${table} for values from ('${day}T00:00:00Z') to ('${nextDay(day)}T00:00:00Z')`);
      }
    });
    for (const day of missing) this.known.add(partitionName(table, day));
  }

  /** drops every day partition wholly before `cutoff` (ISO-8601); returns the names dropped */
  async dropBefore(cutoff: string): Promise<string[]> {
    const cutoffDay = dayOf(cutoff);
    const rows = await this.client()<Array<{ name: string }>>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid join pg_class p on p.oid = i.inhparent
      where p.relname in ('executions', 'logs', 'metrics')`;
    const old = rows.map((r) => r.name).filter((name) => {
      const m = PARTITION_NAME.exec(name);
      // a day ends where the next begins: it is wholly before the cutoff when the next day is not after it
      return m && nextDay(`${m[2]}-${m[3]}-${m[4]}`) <= cutoffDay;
    });
    if (!old.length) return [];
    await this.client().begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${PARTITION_LOCK})`;
      for (const name of old) await tx.unsafe(`drop table if exists ${name}`);
      // the executions of those days are gone: their entries in the day table go with them
      await tx`delete from execution_days where created < ${`${cutoffDay}T00:00:00Z`}::timestamptz`;
    });
    for (const name of old) this.known.delete(name);
    return old;
  }

  /** after a clear: every partition is gone */
  forget(): void {
    this.known.clear();
  }
}

export const partitionedTables = Object.keys(PARTITIONED) as PartitionedTable[];
