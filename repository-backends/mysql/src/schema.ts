import { defineTables, tableBuilders, type DialectKit } from "@ferry/repository-sql";
import { bigint, boolean, double, index, int, json, longtext, mysqlTable, primaryKey, text, varchar } from "drizzle-orm/mysql-core";

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
