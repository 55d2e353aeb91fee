import {
  executionExists, executionFromRow, executionToRow, hotPathColumns, logToRow, parsedRow, taskRunFromRow, taskRunToRow, withJsonAsText, WriteGroup, writesLanded,
  type ExecutionRow, type FlowRow, type StatementColumn, type TaskRunRow,
} from "@ferry/repository-sql";
import { ConflictError, type ExecutionRecord, type FlowRecord, type LogEntry, type TaskRunRecord } from "@ferry/sdk";
import { getTableName, type Table } from "drizzle-orm";
import mysql from "mysql2/promise";
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
/**
 * The execution and its task runs in ONE statement (one snapshot, as InnoDB reads a statement;
 * READ_EXECUTION was four): the task runs as a JSON array, each JSON column inside it as text
 * (cast, so it comes back as written), with their count beside it. An array cut short or left
 * NULL (past group_concat_max_len or max_allowed_packet: an execution of very many task runs)
 * falls back to READ_EXECUTION.
 */
const runObject = `json_object(${TASK_RUN.map((c) => `'${c.key}', ${c.holds === "json" ? `cast(r.${quote(c.name)} as char)` : `r.${quote(c.name)}`}`).join(", ")})`;
const SELECT_EXECUTION_AND_RUNS = `select ${selectList(EXECUTION)},
  (select cast(json_arrayagg(${runObject} order by r.${quote("id")}) as char) from ${table(taskRuns)} r where r.${quote("execution_id")} = e.${quote("id")}) as ferry_runs,
  (select count(*) from ${table(taskRuns)} r where r.${quote("execution_id")} = e.${quote("id")}) as ferry_run_count
  from ${table(executions)} e where e.${quote("id")} = ?`;
/** executions by id, for WriteGroup's `landed` (whether a write whose answer was lost is there) */
const selectExecutions = (count: number) => `select ${selectList(EXECUTION)} from ${table(executions)} where ${quote("id")} in (${placeholders(count)})`;
const UPSERT_EXECUTION = `insert into ${table(executions)} (${nameList(EXECUTION)}) values (${placeholders(EXECUTION.length)})
  on duplicate key update ${fromInserted(executionChanges)}`;
const UPDATE_AT_VERSION = `update ${table(executions)} set ${executionVersionedChanges.map((c) => `${quote(c.name)} = ?`).join(", ")}, ${quote("version")} = ${quote("version")} + 1
  where ${quote("id")} = ? and ${quote("version")} = ?`;
const upsertTaskRuns = (count: number) =>
  `insert into ${table(taskRuns)} (${nameList(TASK_RUN)}) values ${rowsOf(count, TASK_RUN.length)} on duplicate key update ${fromInserted(taskRunChanges)}`;
/**
 * The task runs written only if the execution's update matched its version (`condition`: ROW_COUNT()
 * right after it, or `@ferry_saved_n` kept from it): rows from a UNION ALL of selects, which MySQL
 * and MariaDB both take (their VALUES-as-a-table syntaxes differ).
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
  `select @ferry_matched := coalesce(group_concat(${quote("id")}), '') as matched from ${table(executions)} where ${quote("id")} in (${placeholders(count)})
    and (${Array.from({ length: count }, () => `(${quote("id")} = ? and ${quote("version")} = ?)`).join(" or ")}) for update`;
const updateJoined = (count: number) => {
  const columns = executionVersionedChanges;
  const first = `select ? as ${quote("id")}, ? as ${quote("ferry_expected")}, ${columns.map((c) => `? as ${quote(c.name)}`).join(", ")}`;
  const rest = Array.from({ length: count - 1 }, () => ` union all select ${placeholders(columns.length + 2)}`).join("");
  return `update ${table(executions)} e join (${first}${rest}) i on e.${quote("id")} = i.${quote("id")} and e.${quote("version")} = i.${quote("ferry_expected")}
    set ${columns.map((c) => `e.${quote(c.name)} = i.${quote(c.name)}`).join(", ")}, e.${quote("version")} = e.${quote("version")} + 1`;
};
const MATCHED_RUN = `find_in_set(r.${quote("execution_id")}, @ferry_matched)`;
/**
 * group_concat's limit (1,024 bytes by default on MySQL) would cut the ids of a group of 50,
 * and json_arrayagg's (MariaDB's is group_concat's) an execution's task runs: set on each of
 * the pool's connections as it opens (MysqlRepository.init), not in every text
 */
export const LONG_CONCAT = "set session group_concat_max_len = 4294967295";
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
  // each row with its execution's created and kind (written just before, in the same transaction), which the search walks by
  const columns = ["execution_id", "label_key", "label_value", "created", "kind"].map(quote).join(", ");
  return `insert ignore into ${LABELS} (${columns}) select l.*, e.${quote("created")}, e.${quote("kind")} from (${rows}) l
    join ${table(executions)} e on e.${quote("id")} = l.${quote("execution_id")}${gate ? ` where ${gate}` : ""}`;
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
const insertExecutions = (count: number) => `insert into ${table(executions)} (${nameList(EXECUTION)}) values ${rowsOf(count, EXECUTION.length)}`;
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
  /** its size in the statement text (bytes), once counted (WriteGroup's maxBytes) */
  bytes?: number;
}
interface Insert {
  execution: ExecutionRecord;
  runs: TaskRunRecord[];
  bytes?: number;
}

/** what the statement text around a group's values takes, below max_allowed_packet */
const PACKET_MARGIN = 64 * 1024;
/** a row's share of the text besides its values: placeholders' commas and parentheses, `union all select` */
const ROW_TEXT = 256;
/**
 * An execution's write in the statement text, counted high: each value's text twice over (mysql2
 * escapes a quote or a backslash as two characters, and JSON is full of quotes), a row's own text,
 * the labels three times over.
 */
function writeBytes(write: Save | Insert): number {
  if (write.bytes !== undefined) return write.bytes;
  let bytes = 0;
  const add = (row: object, columns: StatementColumn[]) => {
    bytes += ROW_TEXT;
    for (const value of valuesOf(row, columns)) bytes += typeof value === "string" ? 2 * Buffer.byteLength(value) + 2 : 24;
  };
  add(executionToRow(write.execution), EXECUTION);
  for (const run of write.runs) add(taskRunToRow(run), TASK_RUN);
  // a label goes three times: its row, and twice in the labels' JSON text that gates the delete and the insert
  // (savePart), where a quote is `\"` in JSON, then escaped again in the statement: up to four characters each
  for (const [key, value] of Object.entries(write.execution.labels ?? {})) bytes += 3 * (ROW_TEXT + 4 * (Buffer.byteLength(key) + Buffer.byteLength(String(value))));
  return (write.bytes = bytes);
}

/** how long the re-read of a group whose answer was lost may take, the old session's end included */
const LANDED_READ_MS = 5_000;

/** the server session a transaction text was sent on: its connection id, and when it was sent */
interface Session {
  id: number;
  sentAt: number;
}

/**
 * Ends the session a write was sent on and waits until the server no longer lists it: its
 * transaction is then committed or rolled back for good (MariaDB rolls a killed session's
 * transaction back before it leaves the process list), so a read after this sees its final
 * outcome. A connection id names one session for the server's whole run (ids only grow): a
 * server up for less time than has passed since the send was restarted, and the session died
 * with it — its id may name another session now, which is left alone.
 */
async function endSession(connection: mysql.Connection, session: Session): Promise<void> {
  // SHOW, not information_schema.global_status: MySQL 8 has the latter in performance_schema only
  const [[{ Value: uptime }]] = (await connection.query("show global status like 'Uptime'")) as unknown as [[{ Value: string }]];
  if (Number(uptime) * 1000 <= Date.now() - session.sentAt + 1_000) return;
  try {
    await connection.query("kill connection ?", [session.id]);
  } catch (error) {
    // ER_NO_SUCH_THREAD: it had ended already
    if ((error as { errno?: number }).errno !== 1094) throw error;
  }
  const deadline = Date.now() + LANDED_READ_MS;
  for (;;) {
    const [rows] = await connection.query("select 1 from information_schema.processlist where id = ?", [session.id]);
    if (!(rows as unknown[]).length) return;
    if (Date.now() > deadline) throw new Error(`MySQL session ${session.id} still listed ${LANDED_READ_MS} ms after it was killed`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
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

  /** the session (connection id) a failed transaction text was sent on, by its error: what landed() ends before it reads */
  private readonly sentOn = new WeakMap<object, Session>();

  /** versioned saves of several executions asked for together, written as one transaction (group commit) */
  private readonly saves: WriteGroup<Save>;
  /** new executions asked for together, inserted as one transaction */
  private readonly inserts: WriteGroup<Insert>;

  /**
   * `retryAlone`: whether a group's failure is one row's (each write is then tried alone) rather
   * than the database's. `maxPacket`: the server's max_allowed_packet, read at connect: a group's
   * text stays below it (a text past it is refused and its connection closed, failing the group).
   */
  constructor(private readonly pool: mysql.Pool, retryAlone: (error: unknown) => boolean, maxPacket: number, private readonly url: string) {
    const limits = { maxInFlight: GROUPS_IN_FLIGHT, maxItems: GROUP_ITEMS, maxBytes: Math.max(maxPacket - PACKET_MARGIN, 1) };
    const common = { retryAlone, size: writeBytes, landed: (items: ReadonlyArray<Save | Insert>, error: unknown) => this.landed(items, error) };
    this.saves = new WriteGroup<Save>({ ...common, writeMany: (items) => this.saveMany(items), writeOne: (item) => this.saveMany([item]).then(([outcome]) => (outcome ? Promise.reject(outcome) : undefined)) }, limits);
    this.inserts = new WriteGroup<Insert>({ ...common, writeMany: (items) => this.insertMany(items), writeOne: (item) => this.insertOne(item) }, limits);
  }

  /**
   * Whether each write whose answer a lost connection took is in the database nonetheless
   * (writesLanded), read on a connection of its own once the session the write was sent on is
   * gone for certain (endSession): a session whose client was cut may still wait on a lock on
   * the server and commit after a read that found nothing.
   */
  private async landed(writes: ReadonlyArray<Save | Insert>, error: unknown): Promise<boolean[]> {
    const once = await mysql.createConnection({ uri: this.url, connectTimeout: LANDED_READ_MS });
    // a read that hangs on a broken network is ended with its connection (WriteGroup stops waiting at 5 s)
    const cut = setTimeout(() => once.destroy(), LANDED_READ_MS + 1_000);
    try {
      const session = typeof error === "object" && error ? this.sentOn.get(error) : undefined;
      if (session) await endSession(once, session);
      const [rows] = await once.query(selectExecutions(writes.length), writes.map((w) => w.execution.id));
      const parsed = (rows as Array<Record<string, unknown>>).map((row) => parsedRow<Record<string, unknown>>(row, EXECUTION));
      return writesLanded(writes, parsed, { saved: executionVersionedChanges, inserted: EXECUTION });
    } finally {
      clearTimeout(cut);
      await once.end().catch(() => once.destroy());
    }
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

  /**
   * Whether the one-statement read is taken: a server that refuses its syntax (MySQL 8 has no ORDER
   * BY inside JSON_ARRAYAGG) turns it off for this process, and every read is then the two selects.
   */
  private oneStatementRead = true;

  async getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined> {
    if (!this.oneStatementRead) return this.readInTransaction(id);
    let rows: unknown;
    try {
      [rows] = await this.pool.query(SELECT_EXECUTION_AND_RUNS, [id]);
    } catch (error) {
      if ((error as { code?: string }).code !== "ER_PARSE_ERROR") throw error;
      this.oneStatementRead = false;
      return this.readInTransaction(id);
    }
    const [found] = rows as Array<Record<string, unknown>>;
    if (!found) return undefined;
    const { ferry_runs: runsText, ferry_run_count: count, ...row } = found;
    // text (the cast: mysql2 would parse a JSON column itself, and throw on one cut at max_allowed_packet);
    // past group_concat_max_len or max_allowed_packet it comes cut or null, and the count tells
    let runs: Array<Record<string, unknown>> | undefined;
    try {
      runs = runsText == null ? (Number(count) === 0 ? [] : undefined) : Array.isArray(runsText) ? runsText : (JSON.parse(String(runsText)) as Array<Record<string, unknown>>);
    } catch {
      runs = undefined;
    }
    if (runs && runs.length === Number(count)) {
      return { execution: executionFromRow(parsedRow<ExecutionRow>(row, EXECUTION)), taskRuns: runs.map((r) => taskRunFromRow(parsedRow<TaskRunRow>(r, TASK_RUN))) };
    }
    return this.readInTransaction(id);
  }

  /** the execution and its task runs in a read-only transaction of two selects (one snapshot), whatever their size */
  private async readInTransaction(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined> {
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
   * commit), each behind its own version check: the n-th save's outcome (ROW_COUNT() after its
   * update, kept in `@ferry_saved_n` when label statements follow) gates its label and task run
   * statements, so a conflict leaves that execution's rows alone and its neighbours' saved; the
   * caller reads it from the update's own result (affected rows), or the joined lock's row.
   */
  private async saveMany(saves: readonly Save[]): Promise<unknown[]> {
    const text = ["start transaction"];
    const values: unknown[] = [];
    /** where in the results each outcome is: the joined lock's rows, each alone save's update */
    let matchedAt = -1;
    const updateAt = new Map<number, number>();
    const labelsTexts = saves.map((save) => JSON.stringify(save.execution.labels));
    // saves whose label rows stay as they are (a running execution's, nearly all) go in the three
    // joined statements; the others each with statements of its own, as a save alone
    const joined = saves.flatMap((save, n) => (this.labelsKept(save, labelsTexts[n]!) && !save.execution.id.includes(",") ? [n] : []));
    const joining = joined.length > 1;
    if (joining) {
      const rows = joined.map((n) => saves[n]!);
      const runs = rows.flatMap((save) => save.runs.map(taskRunToRow));
      matchedAt = text.length;
      text.push(lockMatched(rows.length), updateJoined(rows.length), ...(runs.length ? [upsertTaskRunsIf(runs.length, MATCHED_RUN)] : []));
      values.push(...rows.map((save) => save.execution.id), ...rows.flatMap((save) => [save.execution.id, save.expectedVersion]));
      for (const save of rows) values.push(save.execution.id, save.expectedVersion, ...valuesOf(executionToRow(save.execution), executionVersionedChanges));
      values.push(...flatValuesOf(runs, TASK_RUN));
    }
    const alone = saves.flatMap((_, n) => (joining && joined.includes(n) ? [] : [n]));
    for (const n of alone) {
      const part = this.savePart(saves[n]!, n, labelsTexts[n]!);
      updateAt.set(n, text.length + part.update);
      text.push(...part.text);
      values.push(...part.values);
    }
    text.push("commit");
    const results = await this.transaction(text.join("; "), values);
    const matched = new Set(joining ? String((results[matchedAt] as Array<{ matched: string | null }>)[0]?.matched ?? "").split(",") : []);
    return saves.map((save, n) => {
      const id = save.execution.id;
      const saved = joining && joined.includes(n) ? matched.has(id) : (results[updateAt.get(n)!] as { affectedRows: number }).affectedRows === 1;
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

  /** the statements and values of the n-th save of a group, alone; `update`: its versioned update's place among them */
  private savePart(save: Save, n: number, labelsText: string): { text: string[]; values: unknown[]; update: number } {
    const { execution, runs, expectedVersion } = save;
    const e = executionToRow(execution);
    const saved = `@ferry_saved_${n}`;
    const oldLabels = `@ferry_old_labels_${n}`;
    const sameLabels = this.labelsKept(save, labelsText);
    const labels = sameLabels ? { text: [], values: [] } : labelStatements(e.id, execution.labels, `${saved} = 1 and not (${oldLabels} <=> ?)`, [labelsText]);
    // labels kept: the task runs follow the update at once, gated on its ROW_COUNT() (the preceding
    // statement's, as long as this statement runs); else the outcome is kept for the label statements too
    const text = sameLabels
      ? [UPDATE_AT_VERSION, ...(runs.length ? [upsertTaskRunsIf(runs.length, "row_count() = 1")] : [])]
      : [
          `select ${quote("labels")} into ${oldLabels} from ${table(executions)} where ${quote("id")} = ? for update`,
          UPDATE_AT_VERSION,
          `set ${saved} = row_count()`,
          ...labels.text,
          ...(runs.length ? [upsertTaskRunsIf(runs.length, `${saved} = 1`)] : []),
        ];
    const update = [...valuesOf(e, executionVersionedChanges), e.id, expectedVersion];
    return { text, values: [...(sameLabels ? [] : [e.id]), ...update, ...labels.values, ...flatValuesOf(runs.map(taskRunToRow), TASK_RUN)], update: sameLabels ? 0 : 1 };
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
    const labels = inserts.flatMap(({ execution }) => Object.entries(execution.labels ?? {}).map(([key, value]) => [execution.id, key, String(value)]));
    const runs = inserts.flatMap((insert) => insert.runs.map(taskRunToRow));
    // every execution in one insert, then every label, then every task run: three statements whatever the count
    const text = [
      "start transaction",
      insertExecutions(inserts.length),
      ...(labels.length ? [insertLabels(labels.length, "")] : []),
      ...(runs.length ? [insertTaskRuns(runs.length)] : []),
      "commit",
    ];
    const values = [...flatValuesOf(inserts.map(({ execution }) => executionToRow(execution)), EXECUTION), ...labels.flat(), ...flatValuesOf(runs, TASK_RUN)];
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
    // the session the text goes to (its id from the connection's handshake), for landed() should its answer be lost
    const session = { id: connection.threadId, sentAt: Date.now() };
    try {
      const [results] = await connection.query(text, values);
      connection.release();
      return results as unknown[];
    } catch (error) {
      if (typeof error === "object" && error && session.id !== null) this.sentOn.set(error, session);
      await connection.query("rollback").then(() => connection.release(), () => connection.destroy());
      throw error;
    }
  }
}
