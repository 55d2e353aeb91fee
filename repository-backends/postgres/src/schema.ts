import { defineTables, tableBuilders, unboundedText, type DialectKit } from "@ferry/repository-sql";
import { sql } from "drizzle-orm";
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
  // jsonb_path_ops: smaller than the default GIN opclass and serves @> alone, all labels need
  containmentIndex: (name, column) => index(name).using("gin", sql`${column} jsonb_path_ops`),
};

export const {
  flows, executions, taskRuns, logs, triggers, claims, metrics, secrets, kv, taskCache, concurrencyLocks, concurrencySlots, connections,
} = defineTables(postgresKit);
