import { defineTables, type DialectKit } from "@ferry/repository-sql";
import {
  bigint, boolean, double, index, int, json, longtext, mysqlTable, primaryKey, text, varchar, type MySqlColumn, type MySqlColumnBuilderBase, type MySqlTableExtraConfigValue,
} from "drizzle-orm/mysql-core";

type Columns = [MySqlColumn, ...MySqlColumn[]];

/** MySQL's kinds of column: text that is keyed or indexed needs a length, hence varchar */
const mysqlKit: DialectKit = {
  // the kit's own builders come back here: MySQL's, whatever the shared definitions call them
  table: (name, columns, keys) => mysqlTable(name, columns as unknown as Record<string, MySqlColumnBuilderBase>, (t) => keys(t) as MySqlTableExtraConfigValue[]),
  primaryKey: (...columns) => primaryKey({ columns: columns as Columns }),
  index: (name, ...columns) => index(name).on(...(columns as Columns)),
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
