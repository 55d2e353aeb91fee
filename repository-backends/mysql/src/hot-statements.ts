import {
  executionExists, executionFromRow, executionToRow, hotPathColumns, logToRow, parsedRow, taskRunFromRow, taskRunToRow, withJsonAsText,
  type ExecutionRow, type FlowRow, type StatementColumn, type TaskRunRow,
} from "@ferry/repository-sql";
import { ConflictError, type ExecutionRecord, type FlowRecord, type LogEntry, type TaskRunRecord } from "@ferry/sdk";
import { getTableName, type Table } from "drizzle-orm";
import type mysql from "mysql2/promise";
import * as schema from "./schema.js";

const { executionLabels, executions, flows, logs, taskRuns } = schema;

/**
 * The executor's hot path on MySQL/MariaDB in SQL written once, its column lists taken from the
 * tables' definitions (as PostgreSQL's hot-statements.ts). Profiling distributed benchmark01 on
 * MariaDB showed a third of the scheduler's CPU in drizzle's query building and in socket
 * writes: mysql2 sends one command at a time, so a save was four round trips (BEGIN, UPDATE,
 * INSERT, COMMIT) and a read four more. Here each is ONE round trip: a transaction sent as one
 * multi-statement text, which is why the pool allows several statements per query (every value
 * still goes through mysql2's escaping as a `?` parameter).
 */
const { flow: FLOW, execution: EXECUTION, executionChanges, executionVersionedChanges, taskRun: TASK_RUN, taskRunChanges, log: LOG } = hotPathColumns(schema);

const quote = (name: string) => `\`${name}\``;
const table = (t: Table) => quote(getTableName(t));
const selectList = (columns: StatementColumn[]) => columns.map((c) => `${quote(c.name)} as ${quote(c.key)}`).join(", ");
const nameList = (columns: StatementColumn[]) => columns.map((c) => quote(c.name)).join(", ");
/** `col = values(col), …`: an upsert's update of these columns from the row it tried to insert */
const fromInserted = (columns: StatementColumn[]) => columns.map((c) => `${quote(c.name)} = values(${quote(c.name)})`).join(", ");
const placeholders = (n: number) => Array.from({ length: n }, () => "?").join(", ");
const rowsOf = (count: number, width: number) => Array.from({ length: count }, () => `(${placeholders(width)})`).join(", ");

const SELECT_FLOW = `select ${selectList(FLOW)} from ${table(flows)} where ${quote("namespace")} = ? and ${quote("id")} = ? order by ${quote("revision")} desc limit 1`;
const SELECT_EXECUTION = `select ${selectList(EXECUTION)} from ${table(executions)} where ${quote("id")} = ?`;
const SELECT_TASK_RUNS = `select ${selectList(TASK_RUN)} from ${table(taskRuns)} where ${quote("execution_id")} = ? order by ${quote("id")}`;
/** REPEATABLE READ's snapshot starts at the first read: the execution and its task runs are read in one */
const READ_EXECUTION = `start transaction read only; ${SELECT_EXECUTION}; ${SELECT_TASK_RUNS}; commit`;
const UPSERT_EXECUTION = `insert into ${table(executions)} (${nameList(EXECUTION)}) values (${placeholders(EXECUTION.length)})
  on duplicate key update ${fromInserted(executionChanges)}`;
const UPDATE_AT_VERSION = `update ${table(executions)} set ${executionVersionedChanges.map((c) => `${quote(c.name)} = ?`).join(", ")}, ${quote("version")} = ${quote("version")} + 1
  where ${quote("id")} = ? and ${quote("version")} = ?`;
const upsertTaskRuns = (count: number) =>
  `insert into ${table(taskRuns)} (${nameList(TASK_RUN)}) values ${rowsOf(count, TASK_RUN.length)} on duplicate key update ${fromInserted(taskRunChanges)}`;
/**
 * The task runs written only if the execution's update matched its version (`@ferry_saved`,
 * taken from ROW_COUNT() right after it): rows from a UNION ALL of selects, which MySQL and
 * MariaDB both take (their VALUES-as-a-table syntaxes differ).
 */
const upsertTaskRunsIfSaved = (count: number) => {
  const first = `select ${TASK_RUN.map((c) => `? as ${quote(c.name)}`).join(", ")}`;
  const rest = Array.from({ length: count - 1 }, () => ` union all select ${placeholders(TASK_RUN.length)}`).join("");
  return `insert into ${table(taskRuns)} (${nameList(TASK_RUN)}) select * from (${first}${rest}) r where @ferry_saved = 1
    on duplicate key update ${fromInserted(taskRunChanges)}`;
};
/**
 * An execution's rows in execution_labels (schema.ts), each key and value cut as the search
 * cuts them (LEFT counts characters as MySQL does). `gate` is a condition every statement
 * takes: a versioned save rewrites them only when it saved and the labels changed.
 */
const LABELS = table(executionLabels);
const deleteLabels = (gate: string) => `delete from ${LABELS} where ${quote("execution_id")} = ?${gate ? ` and ${gate}` : ""}`;
const insertLabels = (count: number, gate: string) => {
  const row = `select ? as ${quote("execution_id")}, left(?, 128) as ${quote("label_key")}, left(?, 255) as ${quote("label_value")}`;
  const rows = Array.from({ length: count }, (_, i) => (i ? `select ?, left(?, 128), left(?, 255)` : row)).join(" union all ");
  return `insert ignore into ${LABELS} (${quote("execution_id")}, ${quote("label_key")}, ${quote("label_value")}) select * from (${rows}) l${gate ? ` where ${gate}` : ""}`;
};
/** the statements and values that replace an execution's label rows (behind `gate`, whose own values come first each time) */
function labelStatements(id: string, labels: Record<string, string>, gate = "", gateValues: unknown[] = []): { text: string[]; values: unknown[] } {
  const entries = Object.entries(labels ?? {});
  const text = [deleteLabels(gate)];
  const values: unknown[] = [id, ...gateValues];
  if (entries.length) {
    text.push(insertLabels(entries.length, gate));
    values.push(...entries.flatMap(([key, value]) => [id, key, String(value)]), ...gateValues);
  }
  return { text, values };
}

/** a new execution's row: no upsert, so a taken id fails the transaction (ER_DUP_ENTRY), nothing written */
const INSERT_EXECUTION = `insert into ${table(executions)} (${nameList(EXECUTION)}) values (${placeholders(EXECUTION.length)})`;
const insertTaskRuns = (count: number) => `insert into ${table(taskRuns)} (${nameList(TASK_RUN)}) values ${rowsOf(count, TASK_RUN.length)}`;

const insertLogs = (count: number) => `insert into ${table(logs)} (${nameList(LOG)}) values ${rowsOf(count, LOG.length)}`;

/** the values of these columns of a row, in order, JSON as text */
const valuesOf = (row: object, columns: StatementColumn[]) => {
  const values = withJsonAsText(row, columns);
  return columns.map((c) => values[c.key] ?? null);
};
const flatValuesOf = (rows: object[], columns: StatementColumn[]) => rows.flatMap((row) => valuesOf(row, columns));

/** how many executions' last saved labels a process remembers (HotStatements.savedLabels) */
const REMEMBERED_LABELS = 10_000;

export class HotStatements {
  /**
   * The labels (as saved, in text) and the version this process last wrote for each execution,
   * most recent last (bounded). A versioned save at that same version matched only if no other
   * save came between, so its label rows are still these: when the labels did not change either,
   * the save leaves out the row lock, the labels' comparison and their two statements (a
   * running execution's saves, all but the rare one that sets labels). A hint only: anything
   * else runs the full save, which compares in the database.
   */
  private readonly savedLabels = new Map<string, { version: number; labels: string }>();

  constructor(private readonly pool: mysql.Pool) {}

  private rememberLabels(id: string, version: number, labels: string): void {
    this.savedLabels.delete(id);
    this.savedLabels.set(id, { version, labels });
    // Maps iterate in insertion order: the first key is the least recently saved
    if (this.savedLabels.size > REMEMBERED_LABELS) this.savedLabels.delete(this.savedLabels.keys().next().value!);
  }

  async latestFlow(namespace: string, id: string): Promise<FlowRecord | undefined> {
    const [rows] = await this.pool.execute(SELECT_FLOW, [namespace, id]);
    const [row] = rows as Array<Record<string, unknown>>;
    return row && parsedRow<FlowRow>(row, FLOW);
  }

  async getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined> {
    const results = await this.transaction(READ_EXECUTION, [id, id]);
    const [row] = results[1] as Array<Record<string, unknown>>;
    if (!row) return undefined;
    const runs = results[2] as Array<Record<string, unknown>>;
    return { execution: executionFromRow(parsedRow<ExecutionRow>(row, EXECUTION)), taskRuns: runs.map((r) => taskRunFromRow(parsedRow<TaskRunRow>(r, TASK_RUN))) };
  }

  async saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[], expectedVersion?: number): Promise<void> {
    const e = executionToRow(execution);
    const runValues = flatValuesOf(runs.map(taskRunToRow), TASK_RUN);
    if (expectedVersion === undefined) {
      this.savedLabels.delete(e.id);
      const values = valuesOf(e, EXECUTION);
      const labels = labelStatements(e.id, execution.labels);
      const text = [UPSERT_EXECUTION, ...labels.text, ...(runs.length ? [upsertTaskRuns(runs.length)] : [])];
      await this.transaction(`start transaction; ${text.join("; ")}; commit`, [...values, ...labels.values, ...runValues]);
      return;
    }
    const labelsText = JSON.stringify(execution.labels);
    const known = this.savedLabels.get(e.id);
    const sameLabels = known?.version === expectedVersion && known.labels === labelsText;
    // else label rows are rewritten only when the save matched its version and the labels changed
    const labels = sameLabels ? { text: [], values: [] } : labelStatements(e.id, execution.labels, "@ferry_saved = 1 and not (@ferry_old_labels <=> ?)", [labelsText]);
    const text = [
      "start transaction",
      ...(sameLabels ? [] : [`select ${quote("labels")} into @ferry_old_labels from ${table(executions)} where ${quote("id")} = ? for update`]),
      UPDATE_AT_VERSION,
      "set @ferry_saved = row_count()",
      ...labels.text,
      ...(runs.length ? [upsertTaskRunsIfSaved(runs.length)] : []),
      "commit",
      "select @ferry_saved as saved",
    ];
    const update = [...valuesOf(e, executionVersionedChanges), e.id, expectedVersion];
    const results = await this.transaction(text.join("; "), [...(sameLabels ? [] : [e.id]), ...update, ...labels.values, ...runValues]);
    const [{ saved }] = results[results.length - 1] as Array<{ saved: number | string }>;
    if (Number(saved) === 0) {
      this.savedLabels.delete(e.id);
      throw new ConflictError(`execution ${execution.id} was saved by another executor (expected version ${expectedVersion})`);
    }
    this.rememberLabels(e.id, expectedVersion + 1, labelsText);
  }

  /**
   * A new execution, its labels and task runs: one transaction in one text, one commit (a
   * create and a first save were two, and MariaDB's commit is a log flush each).
   */
  async insertExecution(execution: ExecutionRecord, runs: TaskRunRecord[]): Promise<void> {
    const e = executionToRow(execution);
    const labels = Object.entries(execution.labels ?? {});
    const text = [
      "start transaction",
      INSERT_EXECUTION,
      ...(labels.length ? [insertLabels(labels.length, "")] : []),
      ...(runs.length ? [insertTaskRuns(runs.length)] : []),
      "commit",
    ];
    const values = [...valuesOf(e, EXECUTION), ...labels.flatMap(([key, value]) => [e.id, key, String(value)]), ...flatValuesOf(runs.map(taskRunToRow), TASK_RUN)];
    try {
      await this.transaction(text.join("; "), values);
      this.rememberLabels(e.id, e.version, JSON.stringify(execution.labels));
    } catch (error) {
      if ((error as { code?: string }).code === "ER_DUP_ENTRY" && (await this.exists(e.id))) throw executionExists(e.id, error);
      throw error;
    }
  }

  private async exists(id: string): Promise<boolean> {
    const [rows] = await this.pool.execute(`select 1 from ${table(executions)} where ${quote("id")} = ?`, [id]);
    return (rows as unknown[]).length > 0;
  }

  async appendLogs(entries: LogEntry[]): Promise<void> {
    await this.pool.query(insertLogs(entries.length), flatValuesOf(entries.map(logToRow), LOG));
  }

  /**
   * Statements sent as one text on one connection. A statement that fails stops the rest, so a
   * transaction it began would stay open on the connection: it is rolled back before the
   * connection goes back to the pool (or the connection is dropped when even that fails).
   */
  private async transaction(text: string, values: unknown[]): Promise<unknown[]> {
    const connection = await this.pool.getConnection();
    try {
      const [results] = await connection.query(text, values);
      connection.release();
      return results as unknown[];
    } catch (error) {
      await connection.query("rollback").then(() => connection.release(), () => connection.destroy());
      throw error;
    }
  }
}
