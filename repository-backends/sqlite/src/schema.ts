import { defineTables, tableBuilders, unboundedText, type DialectKit } from "@ferry/repository-sql";
import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * SQLite's kinds of column: all text is TEXT, booleans are integers, JSON is text drizzle
 * parses. The concurrency lock rows are never locked here (SQLite has one writer).
 */
const sqliteKit: DialectKit = {
  ...tableBuilders({ table: sqliteTable, primaryKey, index }),
  ...unboundedText((column) => text(column)),
  integer: (column) => integer(column),
  double: (column) => real(column),
  boolean: (column) => integer(column, { mode: "boolean" }),
  json: (column) => text(column, { mode: "json" }),
  serial: (column) => integer(column).primaryKey({ autoIncrement: true }),
};

export const {
  flows, executions, taskRuns, logs, triggers, claims, metrics, secrets, kv, taskCache, concurrencyLocks, concurrencySlots, connections,
} = defineTables(sqliteKit);
