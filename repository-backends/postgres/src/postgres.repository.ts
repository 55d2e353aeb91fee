import {
  cannotConnect, databaseOutOfReach, duplicateKeyConflict, HotPathSqlRepository, lostRaceConflict, insertOnConflictIgnore, upsertOnConflict, type Insertable, type OnConflictDatabase, type SqlTable,
} from "@ferry/repository-sql";
import { defineBackend, driverCode, errorMessage, isUnavailable, parseBackendOptions, schema as sdkSchema, withMappedErrors } from "@ferry/sdk";
import { sql, type Column, type SQL, type SQLWrapper } from "drizzle-orm";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { z } from "zod";
import { HotStatements } from "./hot-statements.js";
import * as schema from "./schema.js";

/** the repository section's keys besides `type`; strict, so a typo is refused at start */
export const postgresRepositoryOptions = z.strictObject({
  url: sdkSchema.serviceUrl(["postgres", "postgresql"], "the postgres repository"),
  poolSize: z.coerce.number().int().min(1).default(10),
});

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), "../drizzle");
/** advisory lock id held while migrating, so servers starting together migrate once */
const MIGRATION_LOCK = 7_346_112_001;

/** drizzle's PostgreSQL database (or transaction) as the shared queries and this file use it */
interface PostgresDatabase extends OnConflictDatabase {
  execute(query: SQL): PromiseLike<unknown>;
  transaction<T>(fn: (tx: PostgresDatabase) => Promise<T>): Promise<T>;
}

/** PostgreSQL through postgres.js. Migrations run at start under an advisory lock. */
export class PostgresRepository extends HotPathSqlRepository<PostgresDatabase> {
  protected readonly tables = schema;
  private client?: postgres.Sql;
  private closing = false;
  protected readonly dialect = "PostgreSQL";

  constructor(private readonly url: string, private readonly poolSize = 10) {
    super();
  }

  async init(): Promise<void> {
    const database = this.open();
    // the lock's connection is not the pool's: the migration runs on the pool, which may hold one connection only
    const locking = postgres(this.url, { max: 1, onnotice: () => undefined });
    try {
      try {
        await locking`select pg_advisory_lock(${MIGRATION_LOCK})`;
      } catch (error) {
        throw cannotConnect("PostgreSQL", this.url, error);
      }
      await migrate(database, { migrationsFolder: MIGRATIONS });
    } finally {
      // closing the session releases its advisory lock
      await locking.end({ timeout: 5 }).catch(() => undefined);
    }
  }

  /** a new pool of connections, and the drizzle database and hot statements on it */
  private open(): PostgresJsDatabase<typeof schema> {
    this.client = postgres(this.url, {
      max: this.poolSize,
      onnotice: () => undefined,
      // postgres.js waits up to 20 s between reconnects once failures pile up (3^n / 100 s, its
      // count shared by the pool): after an outage queued queries sat idle for ~30 s while the
      // database was back. Ferry's callers back off themselves; reconnect within a second.
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    });
    const database: PostgresJsDatabase<typeof schema> = drizzle(preparingEveryQuery(this.client), { schema });
    // drizzle's pg database has PostgresDatabase's methods; its own types know only pg tables
    this.database = database as unknown as PostgresDatabase;
    // a grouped save that failed for one row's sake (not the database's) is tried again alone
    this.hot = new HotStatements(this.client, (error) => !isUnavailable(postgresError(error) ?? error), this.url);
    return database;
  }

  /**
   * After a connection was lost under a query, the pool is replaced. postgres.js 3.4.9 and
   * 3.4.10 keep the failed query on the connection it failed on; that connection's next
   * reconnect, refused while the database is down, then loops without end and every query
   * given to it waits forever, even once the database is back (all of them with a pool of one;
   * porsager/postgres#1193 is the same loop). A new pool has no such connection; the old one
   * is ended, which rejects whatever waits on it (CONNECTION_DESTROYED: out of reach, so its
   * callers retry as after any outage). Only the pool the failed call started on is replaced,
   * once: the failures its ending causes find it replaced already.
   */
  recoverFrom(error: unknown, pool: postgres.Sql | undefined): void {
    // a failure of a pool already replaced (or of this one once closing) changes nothing
    if (this.closing || !pool || pool !== this.client) return;
    const code = driverCode(error) ?? "";
    if (!(CONNECTION_LOST.has(code) || code.startsWith("08"))) return;
    this.open();
    void pool.end({ timeout: 1 }).catch(() => undefined);
  }

  /** the pool a call starts on, for recoverFrom */
  currentPool(): postgres.Sql | undefined {
    return this.client;
  }

  async close(): Promise<void> {
    // writes asked before the close still land (or fail on their own), as postgres.js's end() finishes queued queries
    await this.hot?.drain?.();
    this.closing = true;
    await this.client?.end({ timeout: 5 });
    this.client = undefined;
    this.database = undefined;
    this.hot = undefined;
  }

  protected transaction<T>(fn: (tx: PostgresDatabase) => Promise<T>): Promise<T> {
    return this.db().transaction(fn);
  }

  protected upsert<Row>(tx: PostgresDatabase, table: SqlTable<Row>, rows: Array<Insertable<Row>>, key: Column | Column[], keep?: string[]): Promise<void> {
    return upsertOnConflict(tx, table, rows, key, keep);
  }

  protected async insertIgnore<Row>(table: SqlTable<Row>, row: Insertable<Row>): Promise<number> {
    return this.changedRows(await insertOnConflictIgnore(this.db(), table, row));
  }

  /**
   * A transaction-scoped advisory lock on the flow's name: saves of one flow queue here, and
   * each reads the latest revision only once the one before it committed (READ COMMITTED takes
   * a new snapshot per statement), so none races for the next revision's key.
   */
  protected override async lockFlow(tx: PostgresDatabase, namespace: string, id: string): Promise<void> {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`flow:${namespace}/${id}`}, 0))`);
  }

  protected lostRace(error: unknown): boolean {
    return PG_LOST_RACE.has(driverCode(error) ?? "");
  }

  protected changedRows(result: unknown): number {
    return (result as { count: number }).count;
  }

  protected secondsBetween(from: Column, to: Column): SQL {
    return sql`extract(epoch from (${to}::timestamptz - ${from}::timestamptz))::float8`;
  }

  protected hasLabel(column: Column, key: string, value: string): SQL {
    return sql`${column} @> jsonb_build_object(${key}::text, ${value}::text)`;
  }

  protected override async estimateRows(query: SQLWrapper): Promise<number | undefined> {
    const [row] = (await this.db().execute(sql`explain (format json) ${query}`)) as unknown as Array<{ "QUERY PLAN": Array<{ Plan: { "Plan Rows": number } }> }>;
    return row?.["QUERY PLAN"]?.[0]?.Plan["Plan Rows"];
  }
}

/**
 * drizzle asks postgres.js to prepare only queries given a name, so PostgreSQL parsed and
 * planned every executor query anew. postgres.js caches prepared statements per connection
 * by query text, so asking it to prepare every query makes each distinct query a prepared
 * statement once per connection.
 */
function preparingEveryQuery<T extends postgres.Sql | postgres.TransactionSql>(client: T): T {
  const unsafe = client.unsafe.bind(client);
  client.unsafe = ((query: string, params?: unknown[], options?: object) =>
    unsafe(query, params as never, { ...options, prepare: true })) as typeof client.unsafe;
  // a transaction gets its own client from begin(): its queries are prepared too
  if ("begin" in client) {
    const begin = client.begin.bind(client) as (...args: unknown[]) => unknown;
    (client as { begin: unknown }).begin = (...args: unknown[]) => {
      const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
      return begin(...args, (tx: postgres.TransactionSql) => fn(preparingEveryQuery(tx)));
    };
  }
  return client;
}


export const postgresRepositoryBackend = defineBackend({
  kind: "repository",
  type: "postgres",
  description: "PostgreSQL through postgres.js; migrations run at start",
  configSchema: postgresRepositoryOptions,
  create: ({ url, poolSize }) => recovering(new PostgresRepository(url, poolSize)),
  mapError: postgresError,
  /** one connection and `select 1`: reaches the server and logs in, migrates nothing */
  async check({ url }) {
    const client = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
    try {
      await client`select 1`;
    } catch (error) {
      throw cannotConnect("PostgreSQL", url, error);
    } finally {
      await client.end({ timeout: 1 });
    }
  },
});

/** `{ type: "postgres", url }` → a PostgresRepository (what configuration does, for code and tests) */
export function createPostgresRepository(options: unknown): PostgresRepository {
  const { url, poolSize } = parseBackendOptions(postgresRepositoryBackend, options);
  return withMappedErrors(recovering(new PostgresRepository(url, poolSize)), postgresError);
}

/**
 * The repository with each failing call shown to its recoverFrom(), with the pool the call
 * started on, then passed on as it was.
 */
function recovering(repository: PostgresRepository): PostgresRepository {
  const seen = (error: unknown, pool: postgres.Sql | undefined) => {
    repository.recoverFrom(error, pool);
    return error;
  };
  return new Proxy(repository, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const pool = target.currentPool();
        try {
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(seen(error, pool))) : result;
        } catch (error) {
          throw seen(error, pool);
        }
      };
    },
  });
}

/**
 * A connection lost under a session: the server ended it (57P01, 57P02), its socket failed
 * or closed, or class 08. Not a refusal or a timeout while connecting (no query sits on such a
 * connection), nor CONNECTION_ENDED or CONNECTION_DESTROYED (this process ending a pool).
 */
const CONNECTION_LOST = new Set(["57P01", "57P02", "ECONNRESET", "EPIPE", "ETIMEDOUT", "CONNECTION_CLOSED"]);

/** unique violation, deadlock detected, serialization failure */
const PG_LOST_RACE = new Set(["23505", "40P01", "40001"]);

/** server states that mean "not reachable now" (admin shutdown, cannot connect now, too many connections) */
const PG_UNAVAILABLE = new Set(["57P01", "57P02", "57P03", "53300", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"]);

/** `allow_connections false`: 55000, which statements raise too, hence the message (as the postgres history store reads it) */
const refusingConnections = (error: unknown) => driverCode(error) === "55000" && /is not currently accepting connections/.test(errorMessage(error));

/** postgres.js's errors in Ferry's terms: 23505 (unique violation), a deadlock or a serialization failure a conflict, a lost or refused connection unavailable */
export function postgresError(error: unknown): Error | undefined {
  const code = driverCode(error);
  if (code === "23505") return duplicateKeyConflict(error);
  if (code === "40P01" || code === "40001") return lostRaceConflict(error, code);
  if (code && (PG_UNAVAILABLE.has(code) || code.startsWith("08") || refusingConnections(error))) return databaseOutOfReach("PostgreSQL", error, code);
  return undefined;
}
