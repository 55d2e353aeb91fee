import { getTableColumns, getTableName, type Table } from "drizzle-orm";
import type { SqlTables } from "./tables.js";

/**
 * Pieces of SQL text derived from a table's definition (tables.ts), for the statements a
 * dialect writes by hand on its hot path (PostgreSQL and SQLite quote names alike): a column
 * added to a table reaches them with no edit. Columns are in definition order.
 */
export interface StatementColumn {
  /** the row's key (camelCase) */
  key: string;
  /** the column's name in the database */
  name: string;
  /** the column's SQL type as drizzle declares it (text, integer, jsonb…) */
  sqlType: string;
  /** what it holds in a row: JSON is text to a driver that does not parse it, a boolean may be 0/1 */
  holds: "json" | "boolean" | "other";
}

const quote = (name: string) => `"${name}"`;

/** the table's quoted name */
export function tableName(table: Table): string {
  return quote(getTableName(table));
}

/** the table's columns, but those with the given keys */
export function columnsOf(table: Table, except: string[] = []): StatementColumn[] {
  return Object.entries(getTableColumns(table))
    .filter(([key]) => !except.includes(key))
    .map(([key, column]) => ({ key, name: column.name, sqlType: column.getSQLType(), holds: column.dataType === "json" || column.dataType === "boolean" ? column.dataType : "other" }));
}

/** `"flow_id" as "flowId", …`: a select list whose rows are keyed as the row type is */
export function selectList(columns: StatementColumn[], prefix = ""): string {
  return columns.map((c) => `${prefix}${quote(c.name)} as ${quote(c.key)}`).join(", ");
}

/** `"id", "flow_id", …`: the columns' names, for an insert */
export function nameList(columns: StatementColumn[]): string {
  return columns.map((c) => quote(c.name)).join(", ");
}

/** `"state" = excluded."state", …`: an upsert's update of these columns from the row it tried to insert */
export function fromExcluded(columns: StatementColumn[]): string {
  return columns.map((c) => `${quote(c.name)} = excluded.${quote(c.name)}`).join(", ");
}

/** `"state" = <param of state>, …`: an update of these columns from parameters */
export function assignments(columns: StatementColumn[], param: (column: StatementColumn, index: number) => string): string {
  return columns.map((c, i) => `${quote(c.name)} = ${param(c, i)}`).join(", ");
}

/** the row's values for these columns, JSON as text (for a driver that takes JSON as text) */
export function withJsonAsText(row: object, columns: StatementColumn[]): Record<string, unknown> {
  const values: Record<string, unknown> = { ...row };
  for (const c of columns) if (c.holds === "json") values[c.key] = values[c.key] === null || values[c.key] === undefined ? null : JSON.stringify(values[c.key]);
  return values;
}

/** a row a driver read, with its JSON parsed and its booleans true or false */
export function parsedRow<Row>(raw: Record<string, unknown>, columns: StatementColumn[]): Row {
  const row: Record<string, unknown> = { ...raw };
  for (const c of columns) {
    const value = row[c.key];
    if (c.holds === "json" && typeof value === "string") row[c.key] = JSON.parse(value);
    if (c.holds === "boolean") row[c.key] = Boolean(value);
  }
  return row as Row;
}

/**
 * The column sets of the executor's hot path, as every dialect's hand-written statements use
 * them: what each table holds, and what a save may change (an execution keeps its identity and
 * creation date; a task run its place in the tree and its value).
 */
export function hotPathColumns(tables: Pick<SqlTables, "flows" | "executions" | "taskRuns" | "logs" | "kv">) {
  const executionFixed = ["id", "namespace", "flowId", "flowRevision", "created"];
  return {
    flow: columnsOf(tables.flows),
    kv: columnsOf(tables.kv),
    execution: columnsOf(tables.executions),
    /** what an upsert of an execution changes when it exists */
    executionChanges: columnsOf(tables.executions, executionFixed),
    /** what a versioned update sets from its row: the version it counts up itself */
    executionVersionedChanges: columnsOf(tables.executions, [...executionFixed, "version"]),
    taskRun: columnsOf(tables.taskRuns),
    taskRunChanges: columnsOf(tables.taskRuns, ["id", "executionId", "taskId", "parentTaskRunId", "value"]),
    /** a log's columns but the sequence number the database gives */
    log: columnsOf(tables.logs, ["seq"]),
  };
}
