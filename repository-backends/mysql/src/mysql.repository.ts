import { cannotConnect, databaseOutOfReach, duplicateKeyConflict, HotPathSqlRepository, lostRaceConflict, type Insertable, type SqlDatabase, type SqlTable } from "@ferry/repository-sql";
import { defineBackend, driverCode, isUnavailable, parseBackendOptions, schema as sdkSchema, withMappedErrors, type ExecutionRecord, type ExecutionSearch, type Page, type PageRequest } from "@ferry/sdk";
import { and, eq, getTableColumns, sql, type Column, type SQL, type SQLWrapper } from "drizzle-orm";
import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import { migrate } from "drizzle-orm/mysql2/migrator";
import mysql from "mysql2/promise";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { HotStatements, LONG_CONCAT } from "./hot-statements.js";
import { searchByLabel, walksByLabel, type LabelSearchContext } from "./label-search.js";
import * as schema from "./schema.js";

/** the repository section's keys besides `type`; strict, so a typo is refused at start */
export const mysqlRepositoryOptions = z.strictObject({
  url: sdkSchema.serviceUrl(["mysql", "mariadb"], "the mysql repository"),
  poolSize: z.coerce.number().int().min(1).default(10),
});

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), "../drizzle");
/** named lock held while migrating, so servers starting together migrate once */
const MIGRATION_LOCK = "ferry_migrations";

/** drizzle's MySQL database (or transaction) as the shared queries and this file use it: MySQL's own upserts */
interface MysqlDatabase extends SqlDatabase {
  insert<Row>(table: SqlTable<Row>): {
    values(rows: Insertable<Row> | Array<Insertable<Row>>): PromiseLike<unknown> & { onDuplicateKeyUpdate(config: { set: Record<string, SQL> }): PromiseLike<unknown> };
    ignore(): { values(row: Insertable<Row>): PromiseLike<unknown> };
  };
  transaction<T>(fn: (tx: MysqlDatabase) => Promise<T>): Promise<T>;
  /** a statement of its own (EXPLAIN): mysql2's [rows, fields] */
  execute(query: SQL): PromiseLike<unknown>;
}

/** MySQL and MariaDB through mysql2. Migrations run at start under GET_LOCK. */
export class MysqlRepository extends HotPathSqlRepository<MysqlDatabase> {
  protected readonly tables = schema;
  private pool?: mysql.Pool;
  protected readonly dialect = "MySQL";

  constructor(private readonly url: string, private readonly poolSize = 10) {
    super();
  }

  async init(): Promise<void> {
    // several statements per query: the hot path sends a transaction as one text (hot-statements.ts).
    // trace: false — mysql2's promise API otherwise captures the caller's stack on every query (an
    // Error.captureStackTrace each: 1.8 % of a MariaDB scheduler's busy time at full speed, and its
    // garbage) to graft onto an error that may never come; a failed query still says what failed
    this.pool = mysql.createPool({ uri: this.url, connectionLimit: this.poolSize, multipleStatements: true, trace: false });
    // each connection's group_concat limit raised once as it opens (hot-statements.ts, LONG_CONCAT),
    // queued before any query on it; the event hands the core connection (callback API)
    this.pool.on("connection", (connection) => (connection as unknown as { query(sql: string, done: () => void): void }).query(LONG_CONCAT, () => undefined));
    const database: MySql2Database<typeof schema> = drizzle(this.pool, { schema, mode: "default" });
    // drizzle's mysql database has MysqlDatabase's methods; its own types know only mysql tables
    this.database = database as unknown as MysqlDatabase;
    // the lock's connection is not the pool's: the migration runs on the pool, which may hold one connection only
    let connection: mysql.Connection;
    try {
      connection = await mysql.createConnection({ uri: this.url });
    } catch (error) {
      throw cannotConnect("MySQL", this.url, error);
    }
    try {
      // a grouped write's text stays below the server's packet limit (hot-statements.ts)
      const [[{ maxPacket }]] = (await connection.query("SELECT @@max_allowed_packet AS maxPacket")) as unknown as [[{ maxPacket: number | string }]];
      // a grouped save that failed for one row's sake (not the database's) is tried again alone
      this.hot = new HotStatements(this.pool, (error) => !isUnavailable(mysqlError(error) ?? error), Number(maxPacket), this.url);
      await connection.query("SELECT GET_LOCK(?, 60)", [MIGRATION_LOCK]);
      await migrate(database, { migrationsFolder: MIGRATIONS });
    } finally {
      await connection.query("SELECT RELEASE_LOCK(?)", [MIGRATION_LOCK]).catch(() => undefined);
      await connection.end().catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    // writes asked before the close still land (or fail on their own) before the pool ends
    await this.hot?.drain?.();
    await this.pool?.end();
    this.pool = undefined;
    this.database = undefined;
    this.hot = undefined;
  }

  protected transaction<T>(fn: (tx: MysqlDatabase) => Promise<T>): Promise<T> {
    return this.db().transaction(fn);
  }

  /** ON DUPLICATE KEY UPDATE arbitrates on the table's primary and unique keys: `key` is implied */
  protected async upsert<Row>(tx: MysqlDatabase, table: SqlTable<Row>, rows: Array<Insertable<Row>>, _key: Column | Column[], keep: string[] = []): Promise<void> {
    const columns = Object.keys(rows[0]).filter((k) => !keep.includes(k));
    const set = Object.fromEntries(columns.map((k) => [k, sql.raw(`values(\`${getTableColumns(table)[k].name}\`)`)]));
    await tx.insert(table).values(rows).onDuplicateKeyUpdate({ set });
  }

  protected async insertIgnore<Row>(table: SqlTable<Row>, row: Insertable<Row>): Promise<number> {
    return this.changedRows(await this.db().insert(table).ignore().values(row));
  }

  /**
   * A locking read of the flow's revisions: saves of one flow queue on their rows, and the
   * plain read after it (REPEATABLE READ's snapshot starts there) sees the revision committed
   * before. A flow's first save has no row to lock; two of them may deadlock on the gap, which
   * InnoDB breaks and saveFlow retries.
   */
  protected override async lockFlow(tx: MysqlDatabase, namespace: string, id: string): Promise<void> {
    const { flows } = this.tables;
    await tx.select({ revision: flows.revision }).from(flows).where(and(eq(flows.namespace, namespace), eq(flows.id, id))).for("update");
  }

  protected lostRace(error: unknown): boolean {
    return MYSQL_LOST_RACE.has(driverCode(error) ?? "");
  }

  protected changedRows(result: unknown): number {
    // mysql2 answers [ResultSetHeader, fields]; matched rows, as an unchanged row still counts as saved
    const header = (Array.isArray(result) ? result[0] : result) as { affectedRows: number };
    return header.affectedRows;
  }

  /** a search by labels (and time) walks its first label's index newest first (label-search.ts); any other, the executions' indexes */
  override searchExecutions(query: ExecutionSearch & PageRequest): Promise<Page<ExecutionRecord>> {
    if (!walksByLabel(query)) return super.searchExecutions(query);
    const ctx: LabelSearchContext = {
      db: () => this.db() as unknown as ReturnType<LabelSearchContext["db"]>,
      hasLabel: (column, key, value) => this.hasLabel(column, key, value),
      estimateRows: (q) => this.estimateRows(q),
    };
    return searchByLabel(ctx, query);
  }

  /** dates are stored as toISOString() writes them: the format reads them back to the microsecond */
  protected secondsBetween(from: Column, to: Column): SQL {
    const at = (column: Column) => sql`str_to_date(${column}, '%Y-%m-%dT%H:%i:%s.%fZ')`;
    return sql`(timestampdiff(microsecond, ${at(from)}, ${at(to)}) / 1000000.0)`;
  }

  /**
   * Executions whose label rows match (execution_labels, indexed by key and value, cut as the
   * hot path cuts them, compared as bytes) and whose JSON holds the label exactly.
   */
  protected hasLabel(column: Column, key: string, value: string): SQL {
    const { executionLabels: labels, executions } = this.tables;
    return sql`${executions.id} in (select ${labels.executionId} from ${labels} where ${labels.key} = left(${key}, 128) and ${labels.value} = left(${value}, 255)) and JSON_CONTAINS(${column}, JSON_OBJECT(${key}, ${value}))`;
  }

  /** EXPLAIN's first row: the rows InnoDB expects to read, times the share its filter keeps */
  protected override async estimateRows(query: SQLWrapper): Promise<number | undefined> {
    const [rows] = (await this.db().execute(sql`explain ${query}`)) as unknown as [Array<{ rows: number | string | null; filtered?: number | string | null }>];
    const first = rows[0];
    if (first?.rows == null) return undefined;
    return Math.round((Number(first.rows) * Number(first.filtered ?? 100)) / 100);
  }
}

export const mysqlRepositoryBackend = defineBackend({
  kind: "repository",
  type: "mysql",
  description: "MySQL or MariaDB through mysql2; migrations run at start",
  configSchema: mysqlRepositoryOptions,
  create: ({ url, poolSize }) => new MysqlRepository(url, poolSize),
  mapError: mysqlError,
  /** one connection and `SELECT 1`: reaches the server and logs in, migrates nothing */
  async check({ url }) {
    let connection: mysql.Connection | undefined;
    try {
      connection = await mysql.createConnection({ uri: url, connectTimeout: 10_000 });
      await connection.query("SELECT 1");
    } catch (error) {
      throw cannotConnect("MySQL", url, error);
    } finally {
      await connection?.end().catch(() => undefined);
    }
  },
});

/** `{ type: "mysql", url }` → a MysqlRepository (what configuration does, for code and tests) */
export function createMysqlRepository(options: unknown): MysqlRepository {
  const { url, poolSize } = parseBackendOptions(mysqlRepositoryBackend, options);
  return withMappedErrors(new MysqlRepository(url, poolSize), mysqlError);
}

/** duplicate key, deadlock (InnoDB rolled the transaction back), lock wait timeout */
const MYSQL_LOST_RACE = new Set(["ER_DUP_ENTRY", "ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT"]);

const MYSQL_UNAVAILABLE = new Set(["PROTOCOL_CONNECTION_LOST", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ER_CON_COUNT_ERROR", "ER_SERVER_SHUTDOWN", "PROTOCOL_SEQUENCE_TIMEOUT"]);

/** mysql2's errors in Ferry's terms: ER_DUP_ENTRY or a deadlock a conflict, a lost or refused connection unavailable */
export function mysqlError(error: unknown): Error | undefined {
  const code = driverCode(error);
  if (code === "ER_DUP_ENTRY") return duplicateKeyConflict(error);
  if (code === "ER_LOCK_DEADLOCK") return lostRaceConflict(error, "deadlock");
  if (code && MYSQL_UNAVAILABLE.has(code)) return databaseOutOfReach("MySQL", error, code);
  // a transaction whose connection dropped fails again on its rollback, with no code: the
  // rollback's error hides the first one, and says the same (the database is out of reach)
  if (/connection is in closed state|Connection lost/i.test(messages(error))) return databaseOutOfReach("MySQL", error);
  return undefined;
}

/** the messages of an error and its causes */
function messages(error: unknown): string {
  const all: string[] = [];
  for (let e = error as { message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) if (typeof e.message === "string") all.push(e.message);
  return all.join("\n");
}
