import {
  executionExists, executionFromRow, executionToRow, hotPathColumns, logToRow, parsedRow, taskRunFromRow, taskRunToRow, withJsonAsText, WriteGroup,
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
 * a variable taken from ROW_COUNT() right after it): rows from a UNION ALL of selects, which MySQL and
 * MariaDB both take (their VALUES-as-a-table syntaxes differ).
 */
const upsertTaskRunsIf = (count: number, condition: string) => {
  const first = `select ${TASK_RUN.map((c) => `? as ${quote(c.name)}`).join(", ")}`;
  const rest = Array.from({ length: count - 1 }, () => ` union all select ${placeholders(TASK_RUN.length)}`).join("");
  return `insert into ${table(taskRuns)} (${nameList(TASK_RUN)}) select * from (${first}${rest}) r where ${condition}
    on duplicate key update ${fromInserted(taskRunChanges)}`;
};
/**
 * Several executions' versioned saves as three statements whatever their count (saveMany): the
 * rows at their expected versions are locked and their ids kept in `@ferry_matched`, then one
 * update joins the new values to those rows, then the task runs of the matched executions are
 * written. The lock holds the versions from the read to the update, so the ids read are exactly
 * the rows updated.
 */
const lockMatched = (count: number) =>
  `select coalesce(group_concat(${quote("id")}), '') into @ferry_matched from ${table(executions)} where ${quote("id")} in (${placeholders(count)})
    and (${Array.from({ length: count }, () => `(${quote("id")} = ? and ${quote("version")} = ?)`).join(" or ")}) for update`;
const updateJoined = (count: number) => {
  const columns = executionVersionedChanges;
  const first = `select ? as ${quote("id")}, ? as ${quote("ferry_expected")}, ${columns.map((c) => `? as ${quote(c.name)}`).join(", ")}`;
  const rest = Array.from({ length: count - 1 }, () => ` union all select ${placeholders(columns.length + 2)}`).join("");
  return `update ${table(executions)} e join (${first}${rest}) i on e.${quote("id")} = i.${quote("id")} and e.${quote("version")} = i.${quote("ferry_expected")}
    set ${columns.map((c) => `e.${quote(c.name)} = i.${quote(c.name)}`).join(", ")}, e.${quote("version")} = e.${quote("version")} + 1`;
};
const MATCHED_RUN = `find_in_set(r.${quote("execution_id")}, @ferry_matched)`;
/** group_concat's default limit (1,024 bytes) would cut the ids of a group of 50 */
const LONG_CONCAT = "set session group_concat_max_len = 1048576";
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

interface Save {
  execution: ExecutionRecord;
  runs: TaskRunRecord[];
  expectedVersion: number;
}
interface Insert {
  execution: ExecutionRecord;
  runs: TaskRunRecord[];
}

/** how many groups of saves (and of inserts) may be on their way to the database at once */
const GROUPS_IN_FLIGHT = 4;
/** the most executions one grouped transaction writes (its placeholders stay far below mysql2's 65,535) */
const GROUP_ITEMS = 50;

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

  /** versioned saves of several executions asked for together, written as one transaction (group commit) */
  private readonly saves: WriteGroup<Save>;
  /** new executions asked for together, inserted as one transaction */
  private readonly inserts: WriteGroup<Insert>;

  /** `retryAlone`: whether a group's failure is one row's (each write is then tried alone) rather than the database's */
  constructor(private readonly pool: mysql.Pool, retryAlone: (error: unknown) => boolean) {
    const limits = { maxInFlight: GROUPS_IN_FLIGHT, maxItems: GROUP_ITEMS };
    this.saves = new WriteGroup<Save>({ writeMany: (items) => this.saveMany(items), writeOne: (item) => this.saveMany([item]).then(([outcome]) => (outcome ? Promise.reject(outcome) : undefined)), retryAlone }, limits);
    this.inserts = new WriteGroup<Insert>({ writeMany: (items) => this.insertMany(items), writeOne: (item) => this.insertOne(item), retryAlone }, limits);
  }

  /** settles every write asked so far (a closing repository waits for them before ending its pool) */
  async drain(): Promise<void> {
    await Promise.all([this.inserts.drain(), this.saves.drain()]);
  }

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
    if (expectedVersion !== undefined) return this.saves.write(execution.id, { execution, runs, expectedVersion });
    const e = executionToRow(execution);
    this.savedLabels.delete(e.id);
    const values = valuesOf(e, EXECUTION);
    const labels = labelStatements(e.id, execution.labels);
    const text = [UPSERT_EXECUTION, ...labels.text, ...(runs.length ? [upsertTaskRuns(runs.length)] : [])];
    await this.transaction(`start transaction; ${text.join("; ")}; commit`, [...values, ...labels.values, ...flatValuesOf(runs.map(taskRunToRow), TASK_RUN)]);
  }

  /**
   * Versioned saves of several executions in ONE transaction text, one commit (WriteGroup, group
   * commit), each behind its own version check: the n-th save's outcome is `@ferry_saved_n`
   * (ROW_COUNT() after its update), which gates its label and task run statements, so a
   * conflict leaves that execution's rows alone and its neighbours' saved.
   */
  private async saveMany(saves: readonly Save[]): Promise<unknown[]> {
    const text = ["start transaction"];
    const values: unknown[] = [];
    const labelsTexts = saves.map((save) => JSON.stringify(save.execution.labels));
    // saves whose label rows stay as they are (a running execution's, nearly all) go in the three
    // joined statements; the others each with statements of its own, as a save alone
    const joined = saves.flatMap((save, n) => (this.labelsKept(save, labelsTexts[n]!) && !save.execution.id.includes(",") ? [n] : []));
    const joining = joined.length > 1;
    if (joining) {
      const rows = joined.map((n) => saves[n]!);
      const runs = rows.flatMap((save) => save.runs.map(taskRunToRow));
      text.push(LONG_CONCAT, lockMatched(rows.length), updateJoined(rows.length), ...(runs.length ? [upsertTaskRunsIf(runs.length, MATCHED_RUN)] : []));
      values.push(...rows.map((save) => save.execution.id), ...rows.flatMap((save) => [save.execution.id, save.expectedVersion]));
      for (const save of rows) values.push(save.execution.id, save.expectedVersion, ...valuesOf(executionToRow(save.execution), executionVersionedChanges));
      values.push(...flatValuesOf(runs, TASK_RUN));
    }
    const alone = saves.flatMap((_, n) => (joining && joined.includes(n) ? [] : [n]));
    for (const n of alone) {
      const part = this.savePart(saves[n]!, n, labelsTexts[n]!);
      text.push(...part.text);
      values.push(...part.values);
    }
    text.push("commit", `select ${[...alone.map((n) => `@ferry_saved_${n} as s${n}`), ...(joining ? ["@ferry_matched as matched"] : [])].join(", ")}`);
    const results = await this.transaction(text.join("; "), values);
    const [row] = results[results.length - 1] as Array<Record<string, number | string | null>>;
    const matched = new Set(joining ? String(row!.matched ?? "").split(",") : []);
    return saves.map((save, n) => {
      const id = save.execution.id;
      const saved = joining && joined.includes(n) ? matched.has(id) : Number(row![`s${n}`]) === 1;
      if (!saved) {
        this.savedLabels.delete(id);
        return new ConflictError(`execution ${id} was saved by another executor (expected version ${save.expectedVersion})`);
      }
      this.rememberLabels(id, save.expectedVersion + 1, labelsTexts[n]!);
      return undefined;
    });
  }

  /** whether this process last wrote the execution at the save's expected version with the same labels: its label rows stay */
  private labelsKept(save: Save, labelsText: string): boolean {
    const known = this.savedLabels.get(save.execution.id);
    return known?.version === save.expectedVersion && known.labels === labelsText;
  }

  /** the statements and values of the n-th save of a group, alone */
  private savePart(save: Save, n: number, labelsText: string): { text: string[]; values: unknown[] } {
    const { execution, runs, expectedVersion } = save;
    const e = executionToRow(execution);
    const saved = `@ferry_saved_${n}`;
    const oldLabels = `@ferry_old_labels_${n}`;
    const sameLabels = this.labelsKept(save, labelsText);
    const labels = sameLabels ? { text: [], values: [] } : labelStatements(e.id, execution.labels, `${saved} = 1 and not (${oldLabels} <=> ?)`, [labelsText]);
    const text = [
      ...(sameLabels ? [] : [`select ${quote("labels")} into ${oldLabels} from ${table(executions)} where ${quote("id")} = ? for update`]),
      UPDATE_AT_VERSION,
      `set ${saved} = row_count()`,
      ...labels.text,
      ...(runs.length ? [upsertTaskRunsIf(runs.length, `${saved} = 1`)] : []),
    ];
    const update = [...valuesOf(e, executionVersionedChanges), e.id, expectedVersion];
    return { text, values: [...(sameLabels ? [] : [e.id]), ...update, ...labels.values, ...flatValuesOf(runs.map(taskRunToRow), TASK_RUN)] };
  }

  insertExecution(execution: ExecutionRecord, runs: TaskRunRecord[]): Promise<void> {
    return this.inserts.write(execution.id, { execution, runs });
  }

  /**
   * New executions, their labels and task runs: one transaction in one text, one commit (a
   * create and a first save were two, and MariaDB's commit is a log flush each). A taken id
   * fails the whole text (ER_DUP_ENTRY, nothing written): a group then writes each alone.
   */
  private async insertMany(inserts: readonly Insert[]): Promise<unknown[]> {
    const text = ["start transaction"];
    const values: unknown[] = [];
    for (const { execution, runs } of inserts) {
      const labels = Object.entries(execution.labels ?? {});
      text.push(INSERT_EXECUTION, ...(labels.length ? [insertLabels(labels.length, "")] : []), ...(runs.length ? [insertTaskRuns(runs.length)] : []));
      values.push(...valuesOf(executionToRow(execution), EXECUTION), ...labels.flatMap(([key, value]) => [execution.id, key, String(value)]), ...flatValuesOf(runs.map(taskRunToRow), TASK_RUN));
    }
    text.push("commit");
    await this.transaction(text.join("; "), values);
    for (const { execution } of inserts) this.rememberLabels(execution.id, execution.version ?? 0, JSON.stringify(execution.labels));
    return inserts.map(() => undefined);
  }

  private async insertOne(insert: Insert): Promise<void> {
    try {
      await this.insertMany([insert]);
    } catch (error) {
      const id = insert.execution.id;
      if ((error as { code?: string }).code === "ER_DUP_ENTRY" && (await this.exists(id))) throw executionExists(id, error);
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
