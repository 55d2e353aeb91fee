import {
  assignments, executionExists, executionFromRow, executionToRow, fromExcluded, hotPathColumns, kvFromRow, logToRow, nameList, parsedRow, selectList, tableName, taskRunFromRow, taskRunToRow,
  withJsonAsText, type ExecutionRow, type FlowRow, type KvRow, type StatementColumn, type TaskRunRow,
} from "@ferry/repository-sql";
import { ConflictError, type ExecutionRecord, type FlowRecord, type KvRecord, type LogEntry, type TaskRunRecord } from "@ferry/sdk";
import type Database from "better-sqlite3";
import * as schema from "./schema.js";

const { executions, flows, kv, logs, taskRuns } = schema;

/**
 * The executor's hot path as prepared statements. drizzle builds and prepares each query
 * anew on every call; profiling benchmark01 showed that at half the server's CPU. These
 * few statements run on every executor event, so they are prepared once here, their column
 * lists taken from the tables' definitions; every other query stays with drizzle.
 */
const { flow: FLOW, kv: KV, execution: EXECUTION, executionChanges, executionVersionedChanges, taskRun: TASK_RUN, taskRunChanges, log: LOG } = hotPathColumns(schema);

const named = (columns: StatementColumn[]) => columns.map((c) => `@${c.key}`).join(", ");
const upsert = (table: string, columns: StatementColumn[], changes: StatementColumn[]) =>
  `insert into ${table} (${nameList(columns)}) values (${named(columns)}) on conflict ("id") do update set ${fromExcluded(changes)}`;

/** one save of a group commit (HotStatements.saveGroup) */
export interface GroupedSave {
  execution: ExecutionRecord;
  runs: TaskRunRecord[];
  expectedVersion?: number;
  /** a new execution (Repository.insertExecution): refused, nothing written, when its id is taken */
  insert?: boolean;
}

export class HotStatements {
  private readonly selectExecution: Database.Statement;
  private readonly selectTaskRuns: Database.Statement;
  private readonly upsertExecution: Database.Statement;
  private readonly insertExecution: Database.Statement;
  private readonly updateExecutionAtVersion: Database.Statement;
  private readonly updateExecutionSameState: Database.Statement;
  /**
   * The state each execution was last saved in by this connection, most recent last (bounded):
   * which of the two versioned updates to try first. A hint only: the one that leaves the state
   * out checks it in its WHERE, and the other follows when it matched no row.
   */
  private readonly lastState = new Map<string, unknown>();
  private readonly upsertTaskRun: Database.Statement;
  private readonly insertLog: Database.Statement;
  private readonly selectLatestFlow: Database.Statement;
  private readonly selectKv: Database.Statement;
  /** saves an execution and its changed task runs at a version, with log lines waiting to be written, in one transaction */
  readonly saveAll: (execution: ExecutionRecord, runs: TaskRunRecord[], expectedVersion?: number, logs?: LogEntry[], insert?: boolean) => void;
  /**
   * Several saves and the log lines waiting, in one write transaction (group commit): each save
   * in a savepoint of its own, so one that fails (a version conflict) is rolled back alone and
   * its error is returned in its place; the others commit. Throws, with nothing committed, when
   * the transaction itself fails (the write lock not taken, the commit refused, a log line refused).
   */
  readonly saveGroup: (saves: readonly GroupedSave[], logs: LogEntry[]) => Array<unknown>;
  readonly appendLogs: (entries: LogEntry[]) => void;

  constructor(db: Database.Database) {
    this.selectLatestFlow = db.prepare(`select ${selectList(FLOW)} from ${tableName(flows)} where "namespace" = ? and "id" = ? order by "revision" desc limit 1`);
    this.selectExecution = db.prepare(`select ${selectList(EXECUTION)} from ${tableName(executions)} where "id" = ?`);
    // every kv() in a template and every GET of the KV API reads one pair
    this.selectKv = db.prepare(`select ${selectList(KV)} from ${tableName(kv)} where "namespace" = ? and "key" = ?`);
    this.selectTaskRuns = db.prepare(`select ${selectList(TASK_RUN)} from ${tableName(taskRuns)} where "execution_id" = ? order by "id"`);
    this.upsertExecution = db.prepare(upsert(tableName(executions), EXECUTION, executionChanges));
    // nothing inserted when the id is taken (changes 0): no constraint error to catch
    this.insertExecution = db.prepare(`insert into ${tableName(executions)} (${nameList(EXECUTION)}) values (${named(EXECUTION)}) on conflict ("id") do nothing`);
    this.updateExecutionAtVersion = db.prepare(`update ${tableName(executions)} set ${assignments(executionVersionedChanges, (c) => `@${c.key}`)}, "version" = "version" + 1
      where "id" = @id and "version" = @expected`);
    // SQLite rewrites the entry of every index over a column an UPDATE sets, changed or not: a save
    // that leaves the state as it was (most of a running execution's) sets neither it nor the
    // parent (never changed), and dirties two index pages fewer (executions_state_created,
    // executions_parent_created). Matches no row when the state or the parent differ.
    const unindexed = executionVersionedChanges.filter((c) => c.key !== "state" && c.key !== "parentId");
    this.updateExecutionSameState = db.prepare(`update ${tableName(executions)} set ${assignments(unindexed, (c) => `@${c.key}`)}, "version" = "version" + 1
      where "id" = @id and "version" = @expected and "state" = @state and "parent_id" is @parentId`);
    this.upsertTaskRun = db.prepare(upsert(tableName(taskRuns), TASK_RUN, taskRunChanges));
    this.insertLog = db.prepare(`insert into ${tableName(logs)} (${nameList(LOG)}) values (${named(LOG)})`);
    const save = db.transaction((execution: ExecutionRecord, runs: TaskRunRecord[], expectedVersion?: number, logs?: LogEntry[], insert?: boolean) => {
      const values = withJsonAsText(executionToRow(execution), EXECUTION);
      if (insert) {
        if (this.insertExecution.run(values).changes === 0) throw executionExists(execution.id);
      } else if (expectedVersion === undefined) this.upsertExecution.run(values);
      else {
        const params = { ...values, expected: expectedVersion };
        const same = this.lastState.get(execution.id) === values.state && this.updateExecutionSameState.run(params).changes === 1;
        if (!same && this.updateExecutionAtVersion.run(params).changes === 0) {
          throw new ConflictError(`execution ${execution.id} was saved by another executor (expected version ${expectedVersion})`);
        }
      }
      this.rememberState(execution.id, values.state);
      for (const run of runs) this.upsertTaskRun.run(withJsonAsText(taskRunToRow(run), TASK_RUN));
      for (const entry of logs ?? []) this.insertLog.run(logToRow(entry));
    });
    // IMMEDIATE: take the write lock first, so another process cannot slip in between
    this.saveAll = (execution, runs, expectedVersion, logs, insert) => save.immediate(execution, runs, expectedVersion, logs, insert);
    const group = db.transaction((saves: readonly GroupedSave[], logs: LogEntry[]) => {
      // inside a transaction, better-sqlite3 runs `save` in a savepoint, rolled back when it throws
      const errors = saves.map((s) => {
        try {
          save(s.execution, s.runs, s.expectedVersion, undefined, s.insert);
          return undefined;
        } catch (error) {
          return error ?? new Error("save failed");
        }
      });
      for (const entry of logs) this.insertLog.run(logToRow(entry));
      return errors;
    });
    this.saveGroup = (saves, logs) => group.immediate(saves, logs);
    this.appendLogs = db.transaction((entries: LogEntry[]) => {
      for (const entry of entries) this.insertLog.run(logToRow(entry));
    });
  }

  private rememberState(id: string, state: unknown): void {
    this.lastState.delete(id);
    this.lastState.set(id, state);
    // Maps iterate in insertion order: the first key is the least recently saved
    if (this.lastState.size > 10_000) this.lastState.delete(this.lastState.keys().next().value!);
  }

  /** the latest revision of a flow (every execution request reads it) */
  latestFlow(namespace: string, id: string): FlowRecord | undefined {
    const row = this.selectLatestFlow.get(namespace, id) as Record<string, unknown> | undefined;
    return row && parsedRow<FlowRow>(row, FLOW);
  }

  getKv(namespace: string, key: string): KvRecord | undefined {
    const row = this.selectKv.get(namespace, key) as Record<string, unknown> | undefined;
    return row && kvFromRow(row as KvRow);
  }

  getExecution(id: string): { execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined {
    const row = this.selectExecution.get(id) as Record<string, unknown> | undefined;
    if (!row) return undefined;
    const runs = this.selectTaskRuns.all(id) as Array<Record<string, unknown>>;
    return { execution: executionFromRow(parsedRow<ExecutionRow>(row, EXECUTION)), taskRuns: runs.map((r) => taskRunFromRow(parsedRow<TaskRunRow>(r, TASK_RUN))) };
  }
}
