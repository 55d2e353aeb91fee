import { defineTables, type DialectKit } from "@ferry/repository-sql";
import {
  bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, type PgColumn, type PgColumnBuilderBase, type PgTableExtraConfigValue,
} from "drizzle-orm/pg-core";

type Columns = [PgColumn, ...PgColumn[]];

/** PostgreSQL's kinds of column: text needs no length, JSON is jsonb (labels match by containment) */
const postgresKit: DialectKit = {
  // the kit's own builders come back here: PostgreSQL's, whatever the shared definitions call them
  table: (name, columns, keys) => pgTable(name, columns as unknown as Record<string, PgColumnBuilderBase>, (t) => keys(t) as PgTableExtraConfigValue[]),
  primaryKey: (...columns) => primaryKey({ columns: columns as Columns }),
  index: (name, ...columns) => index(name).on(...(columns as Columns)),
  id: text,
  name: text,
  uri: text,
  date: text,
  code: (column) => text(column),
  text,
  longText: text,
  integer,
  double: doublePrecision,
  boolean,
  json: jsonb,
  serial: (column) => bigserial(column, { mode: "number" }).primaryKey(),
};

export const {
  flows, executions, taskRuns, logs, triggers, claims, metrics, secrets, kv, taskCache, concurrencyLocks, concurrencySlots, connections,
} = defineTables(postgresKit);
