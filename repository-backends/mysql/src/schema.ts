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
 * Keys and values are kept to their first 128 / 255 characters: the search narrows by them
 * and checks the whole label on the execution's JSON.
 */
export const executionLabels = mysqlTable(
  "execution_labels",
  {
    executionId: varchar("execution_id", { length: 64 }).notNull(),
    key: varchar("label_key", { length: 128 }).notNull(),
    value: varchar("label_value", { length: 255 }).notNull(),
  },
  (t) => [
    // the value too: two long keys alike in their first 128 characters keep a row each
    primaryKey({ name: "execution_labels_pk", columns: [t.executionId, t.key, t.value] }),
    index("execution_labels_key_value").on(t.key, t.value, t.executionId),
    foreignKey({ name: "execution_labels_execution", columns: [t.executionId], foreignColumns: [executions.id as unknown as typeof t.executionId] }).onDelete("cascade"),
  ],
);
