import { defineTables, tableBuilders, type DialectKit } from "@ferry/repository-sql";
import { bigint, boolean, double, foreignKey, index, int, json, longtext, mysqlTable, primaryKey, text, varchar } from "drizzle-orm/mysql-core";

/** MySQL's kinds of column: text that is keyed or indexed needs a length, hence varchar */
const mysqlKit: DialectKit = {
  ...tableBuilders({ table: mysqlTable, primaryKey, index }),
  id: (column) => varchar(column, { length: 64 }),
  name: (column) => varchar(column, { length: 255 }),
  uri: (column) => varchar(column, { length: 1024 }),
  date: (column) => varchar(column, { length: 40 }),
  code: (column, length) => varchar(column, { length }),
  text: (column) => text(column),
  longText: (column) => longtext(column),
  integer: (column) => int(column),
  double: (column) => double(column),
  boolean: (column) => boolean(column),
  json: (column) => json(column),
  serial: (column) => bigint(column, { mode: "number", unsigned: true }).autoincrement().primaryKey(),
};

export const {
  flows, executions, taskRuns, logs, triggers, claims, metrics, secrets, kv, taskCache, concurrencyLocks, concurrencySlots, connections,
} = defineTables(mysqlKit);

/**
 * MySQL's own index of execution labels, one row per label: MariaDB indexes no JSON, so a
 * search by a label a few executions carry scanned every execution (4.5 s at a million).
 * The hot path's saves keep it (hot-statements.ts); an execution's rows go with it (cascade).
 * Keys and values are kept to their first 128 / 255 characters, compared as bytes (a binary
 * collation: a label is matched exactly, case included): a label within those lengths is
 * answered by its rows alone; a longer one is narrowed by them and checked on the JSON.
 *
 * Each row also carries its execution's `created` and `kind` (neither changes after the
 * execution is created; the hot path copies them from the execution's row as it writes the
 * labels): `execution_labels_walk` then lists a label's executions newest first, so a search by
 * a label walks that index and stops at its page, and counts its matches in the index alone
 * (before, a label 1,000 executions carry read those 1,000 executions and sorted them: p50
 * 58–79 ms at 1,000,000 executions on MariaDB, whose buffer pool held a fraction of them).
 */
export const executionLabels = mysqlTable(
  "execution_labels",
  {
    executionId: varchar("execution_id", { length: 64 }).notNull(),
    key: varchar("label_key", { length: 128 }).notNull(),
    value: varchar("label_value", { length: 255 }).notNull(),
    created: varchar("created", { length: 40 }).notNull().default(""),
    kind: varchar("kind", { length: 16 }),
  },
  (t) => [
    // the value too: two long keys alike in their first 128 characters keep a row each
    primaryKey({ name: "execution_labels_pk", columns: [t.executionId, t.key, t.value] }),
    index("execution_labels_walk").on(t.key, t.value, t.kind, t.created, t.executionId),
    foreignKey({ name: "execution_labels_execution", columns: [t.executionId], foreignColumns: [executions.id as unknown as typeof t.executionId] }).onDelete("cascade"),
  ],
);
