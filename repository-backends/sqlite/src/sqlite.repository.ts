import { duplicateKeyConflict, HotPathSqlRepository, insertOnConflictIgnore, upsertOnConflict, type Insertable, type OnConflictDatabase, type SqlTable } from "@ferry/repository-sql";
import { defineBackend, driverCode, OperationalError, parseBackendOptions, UnexpectedError, withMappedErrors } from "@ferry/sdk";
import Database from "better-sqlite3";
import { sql, type Column, type SQL } from "drizzle-orm";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { Checkpointer, WRITER_CHECKPOINT_FRAMES } from "./checkpointer.js";
import { HotStatements } from "./hot-statements.js";
import { PendingLogs } from "./pending-logs.js";
import { SaveGroup } from "./save-group.js";
import * as schema from "./schema.js";
import { TransactionGate } from "./transaction-gate.js";

/** the repository section's keys besides `type`; strict, so a typo is refused at start */
export const sqliteRepositoryOptions = z.strictObject({ path: z.string().min(1).default("./.ferry/ferry.db") });

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), "../drizzle");

/** the SQLite repository's open connection: drizzle over it for transactions, and the hot path */
interface Connection {
  sqlite: Database.Database;
  /** for a transaction's own statements (those outside one go through the gate: this.database) */
  direct: OnConflictDatabase;
  gate: TransactionGate;
  hot: HotStatements;
  /** the WAL's checkpoints, made off the event loop (checkpointer.ts); none for :memory: */
  checkpointer?: Checkpointer;
}

/**
 * The embedded repository: one SQLite file in WAL mode, migrations applied at start.
 * Transactions run through a TransactionGate (better-sqlite3's own cannot span an await);
 * the executor's hot path uses prepared statements (hot-statements.ts).
 */
export class SqliteRepository extends HotPathSqlRepository<OnConflictDatabase> {
  protected readonly tables = schema;
  protected readonly dialect = "SQLite";
  private connection?: Connection;
  /** log lines written with the next execution save, or on their own at the next turn */
  private readonly pendingLogs = new PendingLogs(() => void this.writeWaiting());
  /** execution saves written together at the turn's end, in one transaction (group commit) */
  private readonly saves = new SaveGroup(() => void this.writeWaiting());

  constructor(private readonly file: string) {
    super();
  }

  private open(): Connection {
    if (!this.connection) throw new UnexpectedError("the SQLite repository is not initialised");
    return this.connection;
  }

  async init(): Promise<void> {
    if (this.file !== ":memory:") mkdirSync(dirname(this.file), { recursive: true });
    const sqlite = new Database(this.file);
    sqlite.pragma("journal_mode = WAL");
    sqlite.pragma("synchronous = NORMAL");
    sqlite.pragma("busy_timeout = 5000");
    const database: BetterSQLite3Database<typeof schema> = drizzle(sqlite, { schema });
    migrate(database, { migrationsFolder: MIGRATIONS });
    // a statement asked for after a save waits for the save's group to be written (save-group.ts)
    const gate = new TransactionGate(sqlite, () => this.saves.asked());
    // drizzle's better-sqlite3 database has OnConflictDatabase's methods; its own types know only sqlite tables
    const direct = database as unknown as OnConflictDatabase;
    const hot = new HotStatements(sqlite);
    this.connection = { sqlite, direct, gate, hot, checkpointer: this.file === ":memory:" ? undefined : this.startCheckpointer(sqlite) };
    this.database = gate.gated(direct);
    // the hot path's statements run between transactions, as every statement outside one does
    this.hot = {
      latestFlow: (namespace, id) => gate.whenIdle(() => hot.latestFlow(namespace, id)),
      getExecution: (id) => gate.whenIdle(() => hot.getExecution(id)),
      // resolves once committed, with the other saves of this turn and the log lines waiting (save-group.ts)
      saveExecution: (execution, runs, expectedVersion) => this.saves.save(execution, runs, expectedVersion),
      insertExecution: (execution, runs) => this.saves.save(execution, runs, undefined, true),
      // resolves once the lines are committed: with the next execution save, or on their own at the next turn
      appendLogs: (entries) => this.pendingLogs.add(entries),
    };
  }

  /** checkpoints by a thread (checkpointer.ts), this connection's own made rare; should the thread fail, this connection makes them as SQLite does by default */
  private startCheckpointer(sqlite: Database.Database): Checkpointer {
    const checkpointer = Checkpointer.start(this.file, () => {
      if (sqlite.open) sqlite.pragma("wal_autocheckpoint = 1000");
    });
    sqlite.pragma(`wal_autocheckpoint = ${WRITER_CHECKPOINT_FRAMES}`);
    return checkpointer;
  }

  async close(): Promise<void> {
    if (this.connection && (this.pendingLogs.size || this.saves.size)) await this.writeWaiting();
    // its connection closed first: the last one to close checkpoints the WAL and removes it
    await this.connection?.checkpointer?.stop();
    this.connection?.sqlite.close();
    this.connection = undefined;
    this.database = undefined;
    this.hot = undefined;
  }

  protected transaction<T>(fn: (tx: OnConflictDatabase) => Promise<T>): Promise<T> {
    const { gate, direct } = this.open();
    return gate.run(() => fn(direct));
  }

  protected upsert<Row>(tx: OnConflictDatabase, table: SqlTable<Row>, rows: Array<Insertable<Row>>, key: Column | Column[], keep?: string[]): Promise<void> {
    return upsertOnConflict(tx, table, rows, key, keep);
  }

  protected async insertIgnore<Row>(table: SqlTable<Row>, row: Insertable<Row>): Promise<number> {
    return this.changedRows(await insertOnConflictIgnore(this.db(), table, row));
  }

  /** a transaction here holds the database's one write lock (BEGIN IMMEDIATE): no row to lock */
  protected override async lockFlowSlots(): Promise<void> {}

  protected lostRace(error: unknown): boolean {
    const code = driverCode(error);
    return code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_BUSY" || code === "SQLITE_BUSY_SNAPSHOT";
  }

  protected changedRows(result: unknown): number {
    return (result as { changes: number }).changes;
  }

  /** julianday reads ISO-8601 text; its days are floating point, so the difference is rounded to the millisecond stored */
  protected secondsBetween(from: Column, to: Column): SQL {
    return sql`(round((julianday(${to}) - julianday(${from})) * 86400000.0) / 1000.0)`;
  }

  protected hasLabel(column: Column, key: string, value: string): SQL {
    return sql`exists (select 1 from json_each(${column}) where json_each.key = ${key} and json_each.type = 'text' and json_each.value = ${value})`;
  }

  override async getKv(namespace: string, key: string) {
    const { gate, hot } = this.open();
    return gate.whenIdle(() => hot.getKv(namespace, key));
  }

  /**
   * Writes the saves and log lines waiting in one transaction: a task run's log lines go in with
   * the save of its result, and the saves asked for in one turn go in together (save-group.ts).
   */
  private writeWaiting(): Promise<void> {
    if (!this.connection) {
      const closed = new UnexpectedError("the SQLite repository was closed before its writes were made");
      this.saves.take().failed(closed);
      this.pendingLogs.take().failed(closed);
      return Promise.resolve();
    }
    const { gate, hot } = this.connection;
    return gate.whenNoTransaction(() => {
      const group = this.saves.take();
      const logs = this.pendingLogs.take();
      if (!group.saves.length) {
        if (!logs.entries.length) return;
        try {
          hot.appendLogs(logs.entries);
          logs.done();
        } catch (error) {
          logs.failed(error);
        }
        return;
      }
      if (group.saves.length === 1) {
        // alone: its own transaction, no savepoint
        const [save] = group.saves;
        try {
          hot.saveAll(save.execution, save.runs, save.expectedVersion, logs.entries, save.insert);
        } catch (error) {
          // rolled back with the save (a version conflict): the lines go on their own
          logs.requeue();
          group.failed(error);
          return;
        }
        logs.done();
        group.settle([undefined]);
        return;
      }
      let errors: unknown[];
      try {
        errors = hot.saveGroup(group.saves, logs.entries);
      } catch (error) {
        // nothing committed: each save fails (a lost race is run again by its caller), the lines wait for the next
        logs.requeue();
        group.failed(error);
        return;
      }
      logs.done();
      group.settle(errors);
    });
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
  if (code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE") return duplicateKeyConflict(error);
  if (code === "SQLITE_BUSY" || code === "SQLITE_LOCKED") return new OperationalError(`the SQLite database is locked (${code}); retry`, { cause: error });
  return undefined;
}
