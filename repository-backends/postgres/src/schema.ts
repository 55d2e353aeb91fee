import { defineTables, tableBuilders, unboundedText, type DialectKit } from "@ferry/repository-sql";
import { bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text } from "drizzle-orm/pg-core";

/** PostgreSQL's kinds of column: text needs no length, JSON is jsonb (labels match by containment) */
const postgresKit: DialectKit = {
  ...tableBuilders({ table: pgTable, primaryKey, index }),
  ...unboundedText((column) => text(column)),
  integer: (column) => integer(column),
  double: (column) => doublePrecision(column),
  boolean: (column) => boolean(column),
  json: (column) => jsonb(column),
  serial: (column) => bigserial(column, { mode: "number" }).primaryKey(),
};

export const {
  flows, executions, taskRuns, logs, triggers, claims, metrics, secrets, kv, taskCache, concurrencyLocks, concurrencySlots, connections,
} = defineTables(postgresKit);
