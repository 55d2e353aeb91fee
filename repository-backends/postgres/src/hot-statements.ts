import {
  assignments, executionExists, executionFromRow, executionToRow, fromExcluded, hotPathColumns, logToRow, nameList, parsedRow, selectList, tableName, taskRunFromRow, taskRunToRow,
  withJsonAsText, WriteGroup, writesLanded, type ExecutionRow, type FlowRow, type StatementColumn, type TaskRunRow,
} from "@ferry/repository-sql";
import { ConflictError, type ExecutionRecord, type FlowRecord, type LogEntry, type TaskRunRecord } from "@ferry/sdk";
import postgres from "postgres";
import * as schema from "./schema.js";

const { executions, flows, logs, taskRuns } = schema;

/**
 * The executor's hot path in SQL written once, prepared by postgres.js per connection, its
 * column lists taken from the tables' definitions. Profiling distributed benchmark01 showed
 * drizzle's query building at a seventh of the scheduler's CPU; these statements run on every
 * executor event and webhook call, so they skip it. Every other query stays with drizzle.
 * Rows of any count go through unnest(), so each statement has one text (one prepared statement).
 */
const { flow: FLOW, execution: EXECUTION, executionChanges, executionVersionedChanges, taskRun: TASK_RUN, taskRunChanges, log: LOG } = hotPathColumns(schema);

/** a parameter of the column's type: JSON goes as text, cast */
const param = (c: StatementColumn, n: number) => (c.holds === "json" ? `$${n}::jsonb` : `$${n}`);

const SELECT_FLOW = `select ${selectList(FLOW)} from ${tableName(flows)} where "namespace" = $1 and "id" = $2 order by "revision" desc limit 1`;
/**
 * An execution and its task runs in ONE statement, so one snapshot: two queries (on two pool
 * connections) could see the execution after a save and its task runs before it — an
 * execution FAILED beside an errors task still QUEUED (seen in the conformance run).
 */
const SELECT_EXECUTION = `select ${selectList(EXECUTION)},
  (select coalesce(json_agg(r order by r.id), '[]'::json) from (select ${selectList(TASK_RUN)} from ${tableName(taskRuns)} where "execution_id" = $1) r) as "taskRuns"
  from ${tableName(executions)} where "id" = $1`;
const UPSERT_EXECUTION = `insert into ${tableName(executions)} (${nameList(EXECUTION)}) values (${EXECUTION.map((c, i) => param(c, i + 1)).join(", ")})
  on conflict ("id") do update set ${fromExcluded(executionChanges)}`;
const UPDATE_AT_VERSION = `update ${tableName(executions)} set ${assignments(executionVersionedChanges, (c, i) => param(c, i + 2))}, "version" = "version" + 1
  where "id" = $1 and "version" = $${executionVersionedChanges.length + 2}`;

/** rows from unnest() of one array per column ($first…), JSON as text arrays cast per row */
const insertUnnested = (table: string, columns: StatementColumn[], first: number) => {
  const arrays = columns.map((c, i) => `$${first + i}::${c.holds === "json" ? "text" : c.sqlType}[]`).join(", ");
  const values = columns.map((c) => (c.holds === "json" ? `"${c.name}"::jsonb` : `"${c.name}"`)).join(", ");
  return `insert into ${table} (${nameList(columns)}) select ${values} from unnest(${arrays}) as r(${nameList(columns)})`;
};
const upsertTaskRuns = (first: number) =>
  `${insertUnnested(tableName(taskRuns), TASK_RUN, first)} on conflict ("id") do update set ${fromExcluded(taskRunChanges)}`;
/** task runs written only if the execution's update (`saved`) matched its expected version */
const upsertTaskRunsIfSaved = (first: number) =>
  `${insertUnnested(tableName(taskRuns), TASK_RUN, first)} where exists (select 1 from saved) on conflict ("id") do update set ${fromExcluded(taskRunChanges)}`;
/**
 * The execution and its task runs in one statement, atomic without BEGIN/COMMIT round trips:
 * the task runs are written only if the execution's update matched its expected version.
 */
const SAVE_AT_VERSION = `with saved as (${UPDATE_AT_VERSION} returning 1),
  runs as (${upsertTaskRunsIfSaved(executionVersionedChanges.length + 3)} returning 1)
  select (select count(*) from saved)::int as saved`;
const SAVE_NEW = `with saved as (${UPSERT_EXECUTION} returning 1),
  runs as (${upsertTaskRuns(EXECUTION.length + 1)} returning 1)
  select (select count(*) from saved)::int as saved`;
/** a new execution and its task runs in one statement: nothing written when the id is taken (saved = 0) */
const INSERT_NEW = `with saved as (insert into ${tableName(executions)} (${nameList(EXECUTION)}) values (${EXECUTION.map((c, i) => param(c, i + 1)).join(", ")})
    on conflict ("id") do nothing returning 1),
  runs as (${upsertTaskRunsIfSaved(EXECUTION.length + 1)} returning 1)
  select (select count(*) from saved)::int as saved`;
const INSERT_LOGS = insertUnnested(tableName(logs), LOG, 1);
/** how long the re-read of a group whose answer was lost may take */
const LANDED_READ_MS = 5_000;
/** executions by id, for WriteGroup's `landed` (whether a write whose answer was lost is there) */
const SELECT_EXECUTIONS = `select ${selectList(EXECUTION)} from ${tableName(executions)} where "id" = any($1::text[])`;

/** `$first::type[], …`: one array parameter per column, JSON as text */
const arrayParams = (columns: StatementColumn[], first: number) => columns.map((c, i) => `$${first + i}::${c.holds === "json" ? "text" : c.sqlType}[]`).join(", ");
const ID = EXECUTION.find((c) => c.key === "id")!;
/** task runs from unnest() written only for the executions a CTE `saved` returned */
const upsertTaskRunsOfSaved = (first: number) =>
  `${insertUnnested(tableName(taskRuns), TASK_RUN, first)} where r."execution_id" in (select "id" from saved) on conflict ("id") do update set ${fromExcluded(taskRunChanges)}`;
/**
 * Several executions' versioned saves in ONE statement (WriteGroup, group commit): each row's
 * update matches only at its own expected version, the task runs are written only for the rows
 * that matched, and the ids saved come back, so a conflict fails that save alone.
 */
const SAVE_MANY_AT_VERSION = `with input as (select * from unnest(${arrayParams([ID, ...executionVersionedChanges], 1)}, $${executionVersionedChanges.length + 2}::integer[])
    as i(${nameList([ID, ...executionVersionedChanges])}, "ferry_expected")),
  saved as (update ${tableName(executions)} e set ${assignments(executionVersionedChanges, (c) => `i."${c.name}"${c.holds === "json" ? "::jsonb" : ""}`)}, "version" = e."version" + 1
    from input i where e."id" = i."id" and e."version" = i."ferry_expected" returning e."id"),
  runs as (${upsertTaskRunsOfSaved(executionVersionedChanges.length + 3)} returning 1)
  select "id" from saved`;
/** several new executions in one statement: the ids written come back, a taken id is left out with its task runs */
const INSERT_MANY = `with saved as (${insertUnnested(tableName(executions), EXECUTION, 1)} on conflict ("id") do nothing returning "id"),
  runs as (${upsertTaskRunsOfSaved(EXECUTION.length + 1)} returning 1)
  select "id" from saved`;

/** the values of these columns of a row, in order, JSON as text */
const valuesOf = (row: object, columns: StatementColumn[]) => {
  const values = withJsonAsText(row, columns);
  return columns.map((c) => values[c.key] ?? null);
};
/** one array per column of these rows, for unnest() */
const arraysOf = (rows: object[], columns: StatementColumn[]) => {
  const values = rows.map((row) => valuesOf(row, columns));
  return columns.map((_, i) => values.map((v) => v[i]));
};

const run = (sql: postgres.Sql, text: string, params: unknown[]) => sql.unsafe(text, params as never[], { prepare: true });

/** the server session (backend) a write was sent on: its pid, and when it was sent */
interface Session {
  pid: number;
  sentAt: number;
}

/**
 * A write's statement, its backend's pid kept as postgres.js hands the query to a connection
 * (the query's `state`, the connection's BackendKeyData read at connect, which `cancel()` uses
 * too; copied then, as a connection that reconnects later rewrites it in place), so that its
 * failure names the session to end (`sentOn`). A query never handed to a connection has none:
 * it reached no server.
 */
function runWrite(sql: postgres.Sql, text: string, params: unknown[], sentOn: WeakMap<object, Session>) {
  const query = run(sql, text, params);
  let session: Session | undefined;
  let state: unknown = (query as unknown as { state: unknown }).state;
  Object.defineProperty(query, "state", {
    configurable: true,
    get: () => state,
    set: (value: { pid?: number | null } | null) => {
      state = value;
      if (typeof value?.pid === "number") session = { pid: value.pid, sentAt: Date.now() };
    },
  });
  return query.catch((error: unknown) => {
    if (session && typeof error === "object" && error) sentOn.set(error, session);
    throw error;
  });
}

/**
 * Ends the backend a write was sent on and waits until the server no longer lists it: its
 * transaction is then committed or rolled back for good (a terminated backend aborts its
 * transaction before it exits), so a read after this sees its final outcome. A server up for
 * less time than has passed since the send was restarted, and the backend died with it (its
 * pid may be another's now, which is left alone).
 */
async function endSession(sql: postgres.Sql, session: Session): Promise<void> {
  const [{ uptime }] = await sql.unsafe(`select extract(epoch from now() - pg_postmaster_start_time())::float8 as uptime`);
  if (Number(uptime) * 1000 <= Date.now() - session.sentAt + 1_000) return;
  await sql.unsafe(`select pg_terminate_backend($1)`, [session.pid]);
  const deadline = Date.now() + LANDED_READ_MS;
  for (;;) {
    const rows = await sql.unsafe(`select 1 from pg_stat_activity where pid = $1`, [session.pid]);
    if (!rows.length) return;
    if (Date.now() > deadline) throw new Error(`PostgreSQL backend ${session.pid} still listed ${LANDED_READ_MS} ms after it was terminated`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface Save {
  execution: ExecutionRecord;
  runs: TaskRunRecord[];
  expectedVersion: number;
}
interface Insert {
  execution: ExecutionRecord;
  runs: TaskRunRecord[];
}

const conflict = (save: Save) => new ConflictError(`execution ${save.execution.id} was saved by another executor (expected version ${save.expectedVersion})`);
/** each item's outcome: written when the statement returned its id */
const outcomes = (items: ReadonlyArray<{ execution: ExecutionRecord }>, rows: ReadonlyArray<{ id: string }>, refused: (i: number) => Error) => {
  const written = new Set(rows.map((r) => r.id));
  return items.map((item, i) => (written.has(item.execution.id) ? undefined : refused(i)));
};

/** how many groups of saves (and of inserts) may be on their way to the database at once */
export const GROUPS_IN_FLIGHT = 4;
/** the most executions one grouped statement writes */
const GROUP_ITEMS = 200;

export class HotStatements {
  /** versioned saves of several executions asked for together, written as one statement (group commit) */
  private readonly saves: WriteGroup<Save>;
  /** new executions asked for together, inserted as one statement */
  private readonly inserts: WriteGroup<Insert>;

  /**
   * `retryAlone`: whether a group's failure is one row's (each save is then tried alone) rather
   * than the database's. `url`: the database's, for the one connection that reads rows again
   * after a write's answer was lost.
   */
  constructor(private readonly sql: postgres.Sql, retryAlone: (error: unknown) => boolean, private readonly url: string) {
    const limits = { maxInFlight: GROUPS_IN_FLIGHT, maxItems: GROUP_ITEMS };
    const landed = (items: ReadonlyArray<Save | Insert>, error: unknown) => this.landed(items, error);
    this.saves = new WriteGroup<Save>({ writeMany: (items) => this.saveMany(items), writeOne: (item) => this.saveOne(item), retryAlone, landed }, limits);
    this.inserts = new WriteGroup<Insert>({ writeMany: (items) => this.insertMany(items), writeOne: (item) => this.insertOne(item), retryAlone, landed }, limits);
  }

  /** the backend a failed write was sent on, by its error: what landed() ends before it reads */
  private readonly sentOn = new WeakMap<object, Session>();

  /**
   * Whether each write whose answer a lost connection took is in the database nonetheless
   * (writesLanded), once the backend the write was sent on is gone for certain (endSession), read on a connection of its own: the pool the write failed on is about to be
   * replaced (PostgresRepository.recoverFrom), and a query given to it may wait forever.
   */
  private async landed(writes: ReadonlyArray<Save | Insert>, error: unknown): Promise<boolean[]> {
    const once = postgres(this.url, { max: 1, onnotice: () => undefined, connect_timeout: 5, connection: { statement_timeout: LANDED_READ_MS } });
    // a read that hangs on a broken network is ended, its connection with it (WriteGroup stops waiting at 5 s)
    const cut = setTimeout(() => void once.end({ timeout: 0 }).catch(() => undefined), LANDED_READ_MS + 1_000);
    try {
      // first the session the write went to, for certain: cut from its client, it may still wait on a lock and commit later
      const session = typeof error === "object" && error ? this.sentOn.get(error) : undefined;
      if (session) await endSession(once, session);
      const rows = await once.unsafe(SELECT_EXECUTIONS, [writes.map((w) => w.execution.id)]);
      return writesLanded(writes, rows.map((row) => parsedRow<Record<string, unknown>>(row, EXECUTION)), { saved: executionVersionedChanges, inserted: EXECUTION });
    } finally {
      clearTimeout(cut);
      void once.end({ timeout: 1 }).catch(() => undefined);
    }
  }

  /** settles every write asked so far (a closing repository waits for them before ending its pool) */
  async drain(): Promise<void> {
    await Promise.all([this.inserts.drain(), this.saves.drain()]);
  }

  async latestFlow(namespace: string, id: string): Promise<FlowRecord | undefined> {
    const [row] = await run(this.sql, SELECT_FLOW, [namespace, id]);
    return row && parsedRow<FlowRow>(row, FLOW);
  }

  async getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined> {
    const [row] = await run(this.sql, SELECT_EXECUTION, [id]);
    if (!row) return undefined;
    const { taskRuns: runs, ...fields } = row;
    const runRows = (typeof runs === "string" ? JSON.parse(runs) : runs) as Array<Record<string, unknown>>;
    return { execution: executionFromRow(parsedRow<ExecutionRow>(fields, EXECUTION)), taskRuns: runRows.map((r) => taskRunFromRow(parsedRow<TaskRunRow>(r, TASK_RUN))) };
  }

  async saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[], expectedVersion?: number): Promise<void> {
    if (expectedVersion !== undefined) return this.saves.write(execution.id, { execution, runs, expectedVersion });
    const values = valuesOf(executionToRow(execution), EXECUTION);
    await (runs.length ? run(this.sql, SAVE_NEW, [...values, ...arraysOf(runs.map(taskRunToRow), TASK_RUN)]) : run(this.sql, UPSERT_EXECUTION, values));
  }

  private async saveOne(save: Save): Promise<void> {
    const e = executionToRow(save.execution);
    const values = [e.id, ...valuesOf(e, executionVersionedChanges), save.expectedVersion];
    const [{ saved }] = await runWrite(this.sql, SAVE_AT_VERSION, [...values, ...arraysOf(save.runs.map(taskRunToRow), TASK_RUN)], this.sentOn);
    if (saved === 0) throw conflict(save);
  }

  private async saveMany(saves: readonly Save[]): Promise<unknown[]> {
    const rows = arraysOf(saves.map((s) => executionToRow(s.execution)), [ID, ...executionVersionedChanges]);
    const runs = arraysOf(saves.flatMap((s) => s.runs.map(taskRunToRow)), TASK_RUN);
    const saved = await runWrite(this.sql, SAVE_MANY_AT_VERSION, [...rows, saves.map((s) => s.expectedVersion), ...runs], this.sentOn);
    return outcomes(saves, saved as unknown as Array<{ id: string }>, (i) => conflict(saves[i]!));
  }

  insertExecution(execution: ExecutionRecord, runs: TaskRunRecord[]): Promise<void> {
    return this.inserts.write(execution.id, { execution, runs });
  }

  private async insertOne({ execution, runs }: Insert): Promise<void> {
    const values = valuesOf(executionToRow(execution), EXECUTION);
    const [{ saved }] = await runWrite(this.sql, INSERT_NEW, [...values, ...arraysOf(runs.map(taskRunToRow), TASK_RUN)], this.sentOn);
    if (saved === 0) throw executionExists(execution.id);
  }

  private async insertMany(inserts: readonly Insert[]): Promise<unknown[]> {
    const rows = arraysOf(inserts.map((i) => executionToRow(i.execution)), EXECUTION);
    const runs = arraysOf(inserts.flatMap((i) => i.runs.map(taskRunToRow)), TASK_RUN);
    const saved = await runWrite(this.sql, INSERT_MANY, [...rows, ...runs], this.sentOn);
    return outcomes(inserts, saved as unknown as Array<{ id: string }>, (i) => executionExists(inserts[i]!.execution.id));
  }

  async appendLogs(entries: LogEntry[]): Promise<void> {
    await run(this.sql, INSERT_LOGS, arraysOf(entries.map(logToRow), LOG));
  }
}
