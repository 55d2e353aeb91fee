import type { ExecutionRecord, ExecutionState, LogEntry, LogLevel, Page, PageRequest, Repository, TaskRunRecord } from "@ferry/sdk";
import Database from "better-sqlite3";
import { and, asc, count, desc, eq, gte, inArray, like, notInArray, or, sql, type SQL } from "drizzle-orm";
import { drizzle, type BetterSQLite3Database } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { HotStatements } from "./hot-statements.js";
import { executionFromRow, flowFromRow, LEVEL_RANK, logFromRow } from "./rows.js";
import * as schema from "./schema.js";

export const sqliteRepositoryOptions = z.looseObject({ type: z.literal("sqlite"), path: z.string().default("./.ferry/ferry.db") });

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), "../drizzle");
const TERMINAL: ExecutionState[] = ["SUCCESS", "WARNING", "FAILED", "KILLED"];

/**
 * The embedded repository: one SQLite file (WAL mode), migrations applied at start.
 * better-sqlite3 is synchronous, so every method is one short transaction.
 */
export class SqliteRepository implements Repository {
  private sqlite?: Database.Database;
  private db!: BetterSQLite3Database<typeof schema>;
  private hot!: HotStatements;

  constructor(private readonly file: string) {}

  async init(): Promise<void> {
    if (this.file !== ":memory:") mkdirSync(dirname(this.file), { recursive: true });
    this.sqlite = new Database(this.file);
    this.sqlite.pragma("journal_mode = WAL");
    this.sqlite.pragma("synchronous = NORMAL");
    this.sqlite.pragma("busy_timeout = 5000");
    this.db = drizzle(this.sqlite, { schema });
    migrate(this.db, { migrationsFolder: MIGRATIONS });
    this.hot = new HotStatements(this.sqlite);
  }

  async close(): Promise<void> {
    this.sqlite?.close();
    this.sqlite = undefined;
  }

  async saveFlow(flow: { namespace: string; id: string; source: string }) {
    return this.db.transaction((tx) => {
      const current = tx
        .select()
        .from(schema.flows)
        .where(and(eq(schema.flows.namespace, flow.namespace), eq(schema.flows.id, flow.id)))
        .orderBy(desc(schema.flows.revision))
        .limit(1)
        .get();
      if (current && !current.deleted && current.source === flow.source) return { flow: flowFromRow(current), created: false, changed: false };
      const row = {
        namespace: flow.namespace, id: flow.id, revision: (current?.revision ?? 0) + 1, source: flow.source, deleted: false,
        updated: new Date().toISOString(),
      };
      tx.insert(schema.flows).values(row).run();
      return { flow: flowFromRow(row), created: !current || current.deleted, changed: true };
    });
  }

  async getFlow(namespace: string, id: string, revision?: number) {
    if (revision === undefined) {
      const latest = this.hot.latestFlow(namespace, id);
      return latest && !latest.deleted ? latest : undefined;
    }
    const where = and(eq(schema.flows.namespace, namespace), eq(schema.flows.id, id), revision ? eq(schema.flows.revision, revision) : undefined);
    const row = this.db.select().from(schema.flows).where(where).orderBy(desc(schema.flows.revision)).limit(1).get();
    if (!row || (row.deleted && revision === undefined)) return undefined;
    return flowFromRow(row);
  }

  async listFlowRevisions(namespace: string, id: string) {
    const rows = this.db
      .select()
      .from(schema.flows)
      .where(and(eq(schema.flows.namespace, namespace), eq(schema.flows.id, id)))
      .orderBy(asc(schema.flows.revision))
      .all();
    if (!rows.length || rows[rows.length - 1].deleted) return [];
    return rows.map(flowFromRow);
  }

  async searchFlows(query: { namespace?: string; q?: string } & PageRequest) {
    const filters: Array<SQL | undefined> = [
      eq(schema.flows.deleted, false),
      sql`${schema.flows.revision} = (select max(f2.revision) from flows f2 where f2.namespace = ${schema.flows.namespace} and f2.id = ${schema.flows.id})`,
    ];
    if (query.namespace) filters.push(or(eq(schema.flows.namespace, query.namespace), like(schema.flows.namespace, `${query.namespace}.%`)));
    if (query.q) filters.push(or(like(schema.flows.id, `%${query.q}%`), like(schema.flows.namespace, `%${query.q}%`)));
    const base = this.db.select({ flow: schema.flows }).from(schema.flows).where(and(...filters));
    const all = base.orderBy(asc(schema.flows.namespace), asc(schema.flows.id)).all();
    const start = (query.page - 1) * query.size;
    return { results: all.slice(start, start + query.size).map((r) => flowFromRow(r.flow)), total: all.length };
  }

  async deleteFlow(namespace: string, id: string) {
    const current = await this.getFlow(namespace, id);
    if (!current) return false;
    this.db
      .update(schema.flows)
      .set({ deleted: true, updated: new Date().toISOString() })
      .where(and(eq(schema.flows.namespace, namespace), eq(schema.flows.id, id)))
      .run();
    return true;
  }

  async saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[] = []) {
    this.hot.saveAll(execution, runs);
  }

  async getExecution(id: string) {
    return this.hot.getExecution(id);
  }

  async searchExecutions(query: { namespace?: string; flowId?: string; state?: ExecutionState[] } & PageRequest): Promise<Page<ExecutionRecord>> {
    const where = and(
      query.namespace ? or(eq(schema.executions.namespace, query.namespace), like(schema.executions.namespace, `${query.namespace}.%`)) : undefined,
      query.flowId ? eq(schema.executions.flowId, query.flowId) : undefined,
      query.state?.length ? inArray(schema.executions.state, query.state) : undefined,
    );
    const total = this.db.select({ n: count() }).from(schema.executions).where(where).get()?.n ?? 0;
    const rows = this.db
      .select()
      .from(schema.executions)
      .where(where)
      .orderBy(desc(schema.executions.id))
      .limit(query.size)
      .offset((query.page - 1) * query.size)
      .all();
    return { results: rows.map(executionFromRow), total };
  }

  async listUnfinishedExecutionIds() {
    return this.db
      .select({ id: schema.executions.id })
      .from(schema.executions)
      .where(notInArray(schema.executions.state, TERMINAL))
      .orderBy(asc(schema.executions.id))
      .all()
      .map((r) => r.id);
  }

  async deleteTaskRuns(executionId: string, ids: string[]) {
    if (!ids.length) return;
    this.db.delete(schema.taskRuns).where(and(eq(schema.taskRuns.executionId, executionId), inArray(schema.taskRuns.id, ids))).run();
  }

  async appendLogs(entries: LogEntry[]) {
    if (entries.length) this.hot.appendLogs(entries);
  }

  async findLogs(executionId: string, filter: { taskId?: string; taskRunId?: string; minLevel?: LogLevel } = {}) {
    const rows = this.db
      .select()
      .from(schema.logs)
      .where(
        and(
          eq(schema.logs.executionId, executionId),
          filter.taskId ? eq(schema.logs.taskId, filter.taskId) : undefined,
          filter.taskRunId ? eq(schema.logs.taskRunId, filter.taskRunId) : undefined,
          filter.minLevel ? gte(schema.logs.levelRank, LEVEL_RANK[filter.minLevel]) : undefined,
        ),
      )
      .orderBy(asc(schema.logs.seq))
      .all();
    return rows.map(logFromRow);
  }
}

export function createSqliteRepository(options: unknown, baseDir = process.cwd()): SqliteRepository {
  const { path } = sqliteRepositoryOptions.parse(options);
  return new SqliteRepository(path === ":memory:" ? path : resolve(baseDir, path));
}
