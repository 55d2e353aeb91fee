import { nextFlowRevision, SqlRepository, type AnyDb, type AnyTable } from "@ferry/repository-sql";
import { ConflictError, defineBackend, driverCode, OperationalError, parseBackendOptions, UnexpectedError, withMappedErrors, type ExecutionRecord, type LogEntry, type SecretRecord, type TaskRunRecord } from "@ferry/sdk";
import Database from "better-sqlite3";
import { and, desc, eq, getTableColumns, inArray, sql, type SQL } from "drizzle-orm";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { HotStatements } from "./hot-statements.js";
import * as schema from "./schema.js";

/** the repository section's keys besides `type`; strict, so a typo is refused at start */
export const sqliteRepositoryOptions = z.strictObject({ path: z.string().min(1).default("./.ferry/ferry.db") });

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), "../drizzle");

/**
 * The embedded repository: one SQLite file in WAL mode, migrations applied at start.
 * better-sqlite3 is synchronous and its transactions cannot span an `await`, so the
 * methods that write several rows run as synchronous transactions here instead of the
 * shared async ones; the executor's hot path uses prepared statements (hot-statements.ts).
 */
export class SqliteRepository extends SqlRepository {
  protected readonly tables = schema;
  private sqlite?: Database.Database;
  private database?: BetterSQLite3Database<typeof schema>;
  private hot!: HotStatements;

  constructor(private readonly file: string) {
    super();
  }

  protected db(): AnyDb {
    if (!this.database) throw new UnexpectedError("the SQLite repository is not initialised");
    return this.database;
  }

  async init(): Promise<void> {
    if (this.file !== ":memory:") mkdirSync(dirname(this.file), { recursive: true });
    this.sqlite = new Database(this.file);
    this.sqlite.pragma("journal_mode = WAL");
    this.sqlite.pragma("synchronous = NORMAL");
    this.sqlite.pragma("busy_timeout = 5000");
    this.database = drizzle(this.sqlite, { schema });
    migrate(this.database, { migrationsFolder: MIGRATIONS });
    this.hot = new HotStatements(this.sqlite);
  }

  async close(): Promise<void> {
    this.sqlite?.close();
    this.sqlite = undefined;
    this.database = undefined;
  }

  protected transaction<T>(): Promise<T> {
    // every multi-statement write is overridden below with a synchronous transaction
    throw new UnexpectedError("SQLite transactions run synchronously; override the method instead");
  }

  /**
   * better-sqlite3 runs each query synchronously; a save may still run between two awaited
   * reads. The history exporter, the only caller, tolerates it: that save has a later
   * version and is exported again on its next pass, replacing what was read.
   */
  protected override readInSnapshot<T>(fn: (tx: AnyDb) => Promise<T>): Promise<T> {
    return fn(this.database!);
  }

  protected async upsert(tx: AnyDb, table: AnyTable, rows: Array<Record<string, unknown>>, key: AnyTable, keep: string[] = []): Promise<void> {
    // saveExecution, the hot caller, is overridden with prepared statements
    const columns = Object.keys(rows[0]).filter((k) => !keep.includes(k));
    const set = Object.fromEntries(columns.map((k) => [k, sql.raw(`excluded."${getTableColumns(table)[k].name}"`)]));
    tx.insert(table).values(rows).onConflictDoUpdate({ target: key, set }).run();
  }

  protected async insertIgnore(table: AnyTable, row: Record<string, unknown>): Promise<number> {
    return this.database!.insert(table).values(row).onConflictDoNothing().run().changes;
  }

  protected lostRace(error: unknown): boolean {
    const code = driverCode(error);
    return code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT";
  }

  protected changedRows(result: unknown): number {
    return (result as { changes: number }).changes;
  }

  protected hasLabel(column: AnyTable, key: string, value: string): SQL {
    return sql`exists (select 1 from json_each(${column}) where json_each.key = ${key} and json_each.type = 'text' and json_each.value = ${value})`;
  }

  /**
   * One synchronous transaction: nothing else in this process runs between its read and its
   * insert. It begins IMMEDIATE, taking the write lock before the read, so another process on
   * the same file waits (busy_timeout) instead of failing to upgrade a read snapshot.
   */
  override async saveFlow(flow: { namespace: string; id: string; source: string }, options: { only?: "create" | "update" } = {}) {
    const { flows } = schema;
    return this.database!.transaction((tx) => {
      const current = tx.select().from(flows).where(and(eq(flows.namespace, flow.namespace), eq(flows.id, flow.id))).orderBy(desc(flows.revision)).limit(1).get();
      const next = nextFlowRevision(flow, current, options.only);
      if (next.changed) tx.insert(flows).values(next.row).run();
      return next.result;
    }, { behavior: "immediate" });
  }

  override async getFlow(namespace: string, id: string, revision?: number) {
    if (revision !== undefined) return super.getFlow(namespace, id, revision);
    const latest = this.hot.latestFlow(namespace, id);
    return latest && !latest.deleted ? latest : undefined;
  }

  override async saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[] = [], options: { expectedVersion?: number } = {}) {
    this.hot.saveAll(execution, runs, options.expectedVersion);
  }

  private slotsLock: Promise<unknown> = Promise.resolve();

  /**
   * SQLite has one writer and this process is the only one that admits executions (local
   * mode), but better-sqlite3's transactions cannot span an await: admissions take turns
   * here instead, each a few statements of its own.
   */
  protected override withFlowSlotsLocked<T>(namespace: string, flowId: string, fn: (tx: AnyDb) => Promise<T>): Promise<T> {
    const run = this.slotsLock.then(() => fn(this.db()));
    this.slotsLock = run.catch(() => undefined);
    return run;
  }

  /** one synchronous transaction: better-sqlite3's cannot span an await */
  override async replaceSecrets(records: SecretRecord[]) {
    const { secrets } = schema;
    this.database!.transaction((tx) => {
      tx.delete(secrets).run();
      if (records.length) tx.insert(secrets).values(records.map((r) => ({ ...r }))).run();
    });
  }

  /** one synchronous transaction: better-sqlite3's cannot span an await */
  override async purgeExecutions(ids: string[], what: { executions: boolean; logs: boolean; metrics: boolean }) {
    const { executions, taskRuns, logs, metrics } = schema;
    const counts = { executions: 0, logs: 0, metrics: 0 };
    if (!ids.length) return counts;
    return this.database!.transaction((tx) => {
      const ended = tx.select({ id: executions.id }).from(executions).where(and(inArray(executions.id, ids), inArray(executions.state, ["SUCCESS", "WARNING", "FAILED", "KILLED"]))).all().map((r) => r.id);
      if (!ended.length) return counts;
      if (what.logs) counts.logs = tx.delete(logs).where(inArray(logs.executionId, ended)).run().changes;
      if (what.metrics) counts.metrics = tx.delete(metrics).where(inArray(metrics.executionId, ended)).run().changes;
      if (what.executions) {
        tx.delete(taskRuns).where(inArray(taskRuns.executionId, ended)).run();
        counts.executions = tx.delete(executions).where(inArray(executions.id, ended)).run().changes;
      }
      return counts;
    });
  }

  override async getExecution(id: string) {
    return this.hot.getExecution(id);
  }

  override async getKv(namespace: string, key: string) {
    return this.hot.getKv(namespace, key);
  }

  override async appendLogs(entries: LogEntry[]) {
    if (entries.length) this.hot.appendLogs(entries);
  }
}

const fileOf = (path: string, baseDir: string) => (path === ":memory:" ? path : resolve(baseDir, path));

export const sqliteRepositoryBackend = defineBackend({
  kind: "repository",
  type: "sqlite",
  description: "one SQLite file (relative paths from the configuration's folder), or :memory:",
  configSchema: sqliteRepositoryOptions,
  create: ({ path }, { baseDir }) => new SqliteRepository(fileOf(path, baseDir)),
  mapError: sqliteError,
});

/** `{ type: "sqlite", path }` → a SqliteRepository (what configuration does, for code and tests) */
export function createSqliteRepository(options: unknown, baseDir = process.cwd()): SqliteRepository {
  const { path } = parseBackendOptions(sqliteRepositoryBackend, options);
  return withMappedErrors(new SqliteRepository(fileOf(path, baseDir)), sqliteError);
}

/** better-sqlite3's errors in Ferry's terms: a unique or primary key violation a conflict, a locked database unavailable */
export function sqliteError(error: unknown): Error | undefined {
  const code = driverCode(error);
  if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE") {
    return new ConflictError(`a concurrent write saved the same record first; retry (${(error as Error).message})`, { cause: error });
  }
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") return new OperationalError(`the SQLite database is locked (${code}); retry`, { cause: error });
  return undefined;
}
