import {
  defineBackend, driverCode, errorMessage, isUnavailable, OperationalError, parseDuration, schema, type HistorySearch, type HistoryBatch, type HistoryLogFilter, type HistoryMetricFilter, type HistoryLogSearch,
  type HistoryPageRequest, type HistoryPosition, type HistoryStore, type StateCountsQuery,
} from "@ferry/sdk";
import postgres from "postgres";
import { z } from "zod";
import { HistoryQueries } from "./history-queries.js";
import { beginGeneration, createGenerations, readGenerations, switchGeneration, writeTarget } from "./generations.js";
import { useSchema } from "./history-schema.js";
import { writeBatch } from "./history-writes.js";
import { dayOf, Partitions } from "./partitions.js";

/** the history section's keys besides `type`; strict, so a typo is refused at start */
export const postgresHistoryOptions = z.strictObject({
  url: schema.serviceUrl(["postgres", "postgresql"], "the postgres history store"),
  poolSize: z.coerce.number().int().min(1).default(5),
  /** days older than this are dropped, a whole partition at a time; absent: history is kept */
  retention: schema.duration().optional(),
});
export type PostgresHistoryOptions = z.infer<typeof postgresHistoryOptions>;

/** a database that does not exist (dropped), a table or a schema that does not (the layout dropped) */
const LAYOUT_GONE = new Set(["3D000", "42P01", "3F000"]);

/** how often a write also applies retention */
const RETENTION_EVERY_MS = 3_600_000;

/**
 * History in a PostgreSQL database of its own (Camunda's secondary storage): fed by the
 * exporter, partitioned by day, with a full-text index on log lines. Out of reach at start,
 * it is still usable later: its layout is created by the first call that reaches the database.
 */
export class PostgresHistoryStore implements HistoryStore {
  readonly source = "exported" as const;
  private client?: postgres.Sql;
  private ready?: Promise<void>;
  private readonly partitions = new Partitions(() => this.sql());
  private readonly queries = new HistoryQueries(() => this.sql());
  private readonly retentionMs?: number;
  private retentionAppliedAt = 0;
  private closing = false;

  constructor(private readonly options: PostgresHistoryOptions) {
    this.retentionMs = options.retention ? parseDuration(options.retention) : undefined;
  }

  private sql(): postgres.Sql {
    return (this.client ??= postgres(this.options.url, {
      max: this.options.poolSize,
      onnotice: () => undefined,
      connect_timeout: 10,
      // reconnect within a second once the database is back (postgres.js waits up to 20 s by default)
      backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
    }));
  }

  /** the layout, created once; a failure is retried by the next call */
  private schemaReady(): Promise<void> {
    this.ready ??= createGenerations(this.sql()).catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async init(): Promise<void> {
    await this.schemaReady();
  }

  /**
   * Runs one call of the store. A database dropped and created again (or whose tables were
   * dropped) has lost the layout this process created once: the next call creates it again,
   * with its partitions, and the exporter, reading no position there, exports the primary
   * into it from the start.
   */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    const pool = this.sql();
    try {
      return await work();
    } catch (error) {
      if (LAYOUT_GONE.has(driverCode(error) ?? "")) {
        this.ready = undefined;
        this.partitions.forgetAll();
      }
      // postgres.js 3.4.x keeps a query failed by a lost connection on that connection, whose
      // refused reconnects then loop without end (every query given to it waits forever, all
      // of them with a pool of one): the next call gets a new pool, the old one is ended (what
      // waits on it is rejected, out of reach). Only the pool this call started on, once: the
      // failures its ending causes (CONNECTION_DESTROYED) find it replaced already. The
      // postgres repository does the same (recoverFrom).
      const code = driverCode(error) ?? "";
      if (!this.closing && pool === this.client && (CONNECTION_LOST.has(code) || code.startsWith("08"))) {
        this.client = undefined;
        void pool.end({ timeout: 1 }).catch(() => undefined);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.client?.end({ timeout: 5 });
    this.client = undefined;
    this.ready = undefined;
  }

  async ping(): Promise<void> {
    return this.guard(async () => {
      await this.schemaReady();
      await this.sql()`select 1`;
    });
  }

  /**
   * Into the generation being rebuilt while there is one, else the live one; the generations
   * row is read with a share lock, so a switch waits for the writes in flight.
   */
  async write(batch: HistoryBatch, position: HistoryPosition): Promise<void> {
    return this.guard(async () => {
      await this.schemaReady();
      const kept = this.withinRetention(batch);
      const made = (await this.sql().begin(async (tx) => {
        const target = writeTarget(await readGenerations(tx, "share"));
        await useSchema(tx, target);
        const made = [
          ...(await this.partitions.ensure(tx, target, "executions", kept.executions.map((e) => e.execution.created))),
          ...(await this.partitions.ensure(tx, target, "logs", kept.logs.map((l) => l.timestamp))),
          ...(await this.partitions.ensure(tx, target, "metrics", kept.metrics.map((m) => m.timestamp))),
        ];
        await writeBatch(tx, kept, position);
        return made;
      })) as string[];
      this.partitions.remember(made);
      if (this.retentionMs !== undefined && Date.now() - this.retentionAppliedAt > RETENTION_EVERY_MS) await this.applyRetention();
    });
  }

  /** drops the day partitions past retention, of the live generation and of one being rebuilt; returns their names */
  async applyRetention(now = Date.now()): Promise<string[]> {
    return this.guard(async () => {
      if (this.retentionMs === undefined) return [];
      await this.schemaReady();
      this.retentionAppliedAt = now;
      const cutoff = new Date(now - this.retentionMs).toISOString();
      const { live, building } = await readGenerations(this.sql());
      const dropped = await this.partitions.dropBefore(live, cutoff);
      return building ? [...dropped, ...(await this.partitions.dropBefore(building, cutoff))] : dropped;
    });
  }

  /** rows of days retention drops are not written: they would bring their partition back */
  private withinRetention(batch: HistoryBatch): HistoryBatch {
    if (this.retentionMs === undefined) return batch;
    const firstKept = dayOf(new Date(Date.now() - this.retentionMs).toISOString());
    const kept = (time: string) => dayOf(time) >= firstKept;
    return {
      executions: batch.executions.filter((e) => kept(e.execution.created)),
      logs: batch.logs.filter((l) => kept(l.timestamp)),
      metrics: batch.metrics.filter((m) => kept(m.timestamp)),
    };
  }

  /** the position of the generation writes go to */
  async position(): Promise<HistoryPosition | undefined> {
    return this.guard(async () => {
      await this.schemaReady();
      const sql = this.sql();
      const target = writeTarget(await readGenerations(sql));
      const [row] = await sql<Array<{ executions_updated: string; executions_id: string; logs: string; metrics: string }>>`select * from ${sql(target)}.export_position where id = 1`;
      return row && { executions: { updated: row.executions_updated, id: row.executions_id }, logs: Number(row.logs), metrics: Number(row.metrics) };
    });
  }

  async beginRebuild(): Promise<void> {
    return this.guard(async () => {
      await this.schemaReady();
      const { dropped } = await beginGeneration(this.sql());
      if (dropped) this.partitions.forget(dropped);
    });
  }

  async finishRebuild(): Promise<void> {
    return this.guard(async () => {
      await this.schemaReady();
      const old = await switchGeneration(this.sql());
      if (old) this.partitions.forget(old);
    });
  }

  async rebuilding(): Promise<boolean> {
    return this.guard(async () => {
      await this.schemaReady();
      return (await readGenerations(this.sql())).building !== undefined;
    });
  }

  async searchExecutions(query: HistorySearch & HistoryPageRequest) {
    return this.guard(async () => {
      await this.schemaReady();
      return this.queries.searchExecutions(query);
    });
  }

  async getExecution(id: string) {
    return this.guard(async () => {
      await this.schemaReady();
      return this.queries.getExecution(id);
    });
  }

  async findLogs(executionId: string, filter?: HistoryLogFilter) {
    return this.guard(async () => {
      await this.schemaReady();
      return this.queries.findLogs(executionId, filter);
    });
  }

  async searchLogs(query: HistoryLogSearch) {
    return this.guard(async () => {
      await this.schemaReady();
      return this.queries.searchLogs(query);
    });
  }

  async findMetrics(executionId: string, filter?: HistoryMetricFilter) {
    return this.guard(async () => {
      await this.schemaReady();
      return this.queries.findMetrics(executionId, filter);
    });
  }

  async countStates(query: StateCountsQuery) {
    return this.guard(async () => {
      await this.schemaReady();
      return this.queries.countStates(query);
    });
  }
}

/** a connection lost under a session (the same set as the postgres repository's, see its recoverFrom) */
const CONNECTION_LOST = new Set(["57P01", "57P02", "ECONNRESET", "EPIPE", "ETIMEDOUT", "CONNECTION_CLOSED"]);

/**
 * Server states that mean "not reachable now", as the postgres repository reads them: a
 * connection exception (class 08), an operator's shutdown or a server starting (57P01-57P03),
 * too many connections (53300), a connect timeout, and a database that refuses connections
 * (`allow_connections false`: 55000, which is also raised by statements, hence the message), and
 * a database that does not exist (3D000: dropped; until it is created again, see `guard`).
 */
const PG_UNAVAILABLE = new Set(["57P01", "57P02", "57P03", "53300", "CONNECT_TIMEOUT", "3D000"]);
function outOfReach(error: unknown): boolean {
  if (isUnavailable(error)) return true;
  const code = driverCode(error);
  if (!code) return false;
  return PG_UNAVAILABLE.has(code) || code.startsWith("08") || (code === "55000" && /is not currently accepting connections/.test(errorMessage(error)));
}

/** the URL without its password, for messages */
const redact = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");

export const postgresHistoryBackend = defineBackend({
  kind: "history",
  type: "postgres",
  description: "history in a PostgreSQL database of its own: partitioned by day, full-text log search, retention by dropping partitions",
  configSchema: postgresHistoryOptions,
  create: (options) => new PostgresHistoryStore(options),
  mapError: (error) => (outOfReach(error) ? new OperationalError(`the history store (postgres) is out of reach: ${errorMessage(error)}`, { cause: error }) : undefined),
  /** one connection and `select 1`: reaches the server and logs in, creates nothing */
  async check({ url }) {
    const client = postgres(url, { max: 1, onnotice: () => undefined, connect_timeout: 10 });
    try {
      await client`select 1`;
    } catch (error) {
      throw new OperationalError(`cannot connect to the history database at ${redact(url)}: ${errorMessage(error)}`, { cause: error });
    } finally {
      await client.end({ timeout: 1 });
    }
  },
});
