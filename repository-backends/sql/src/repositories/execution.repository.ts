import {
  ConflictError, UserError, type EndedExecutionsQuery, type ExecutionRecord, type ExecutionRepository, type ExecutionSearch, type Page, type PageRequest, type TaskRunRecord,
  type UnfinishedExecution,
} from "@ferry/sdk";
import { and, asc, count, desc, eq, gte, inArray, isNull, lt, lte, notInArray, or, sql, type SQL } from "drizzle-orm";
import { executionExists } from "../driver-errors.js";
import { retryingLostRaces } from "../race-retry.js";
import { executionFromRow, executionToRow, taskRunFromRow, taskRunToRow } from "../rows.js";
import { inNamespace, TERMINAL } from "../sql-conditions.js";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Executions with their task runs: versioned saves, searches by page or cursor, purges. */
export class SqlExecutionRepository<Db extends SqlDatabase> implements ExecutionRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[] = [], options: { expectedVersion?: number } = {}): Promise<void> {
    const { ctx } = this;
    const { executions, taskRuns } = ctx.tables;
    const expected = options.expectedVersion;
    const executionRow = () => executionToRow(execution);
    // one statement is atomic by itself: no BEGIN/COMMIT round trips
    if (expected === undefined && !runs.length) return ctx.upsert(ctx.db(), executions, [executionRow()], executions.id);
    // a deadlock between two multi-row upserts is broken by the database: the save runs again
    // (the version check with it, so a lost race never becomes a lost update)
    await retryingLostRaces(`saving execution ${execution.id}`, (error) => ctx.lostRace(error), () => ctx.transaction(async (tx) => {
      // the statements go out together (drivers that pipeline send them in one write); a
      // version conflict throws after both ran, which rolls the task runs back with the rest
      const [saved] = await Promise.all([
        expected === undefined
          ? ctx.upsert(tx, executions, [executionRow()], executions.id)
          : this.updateIfVersion(tx, execution, expected),
        runs.length ? ctx.upsert(tx, taskRuns, runs.map((run) => taskRunToRow(run)), taskRuns.id) : undefined,
      ]);
      if (saved === false) throw new ConflictError(`execution ${execution.id} was saved by another executor (expected version ${expected})`);
    }));
  }

  async insertExecution(execution: ExecutionRecord, runs: TaskRunRecord[] = []): Promise<void> {
    const { ctx } = this;
    const { executions, taskRuns } = ctx.tables;
    try {
      await ctx.transaction(async (tx) => {
        await tx.insert(executions).values(executionToRow(execution));
        if (runs.length) await tx.insert(taskRuns).values(runs.map((run) => taskRunToRow(run)));
      });
    } catch (error) {
      // a unique violation of the execution's key: refused as such (a task run's would be a bug, thrown as it is)
      if (ctx.lostRace(error) && (await this.exists(execution.id))) throw executionExists(execution.id, error);
      throw error;
    }
  }

  private async exists(id: string): Promise<boolean> {
    const { executions } = this.ctx.tables;
    return (await this.ctx.db().select({ id: executions.id }).from(executions).where(eq(executions.id, id)).limit(1)).length > 0;
  }

  /** one conditional update both checks the version and saves (no SELECT … FOR UPDATE round trip); false when the version moved */
  private async updateIfVersion(tx: Db, execution: ExecutionRecord, expected: number): Promise<boolean> {
    const { executions } = this.ctx.tables;
    const { id, namespace, flowId, flowRevision, created, ...changes } = executionToRow({ ...execution, version: expected + 1 });
    const result = await tx.update(executions).set(changes).where(and(eq(executions.id, id), eq(executions.version, expected)));
    return this.ctx.changedRows(result) > 0;
  }

  async getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined> {
    const { executions, taskRuns } = this.ctx.tables;
    // one transaction, one snapshot: two queries on two pool connections could read the
    // execution after a save and its task runs before it
    const [[row], runs] = (await this.ctx.transaction(async (tx) => [
      await tx.select().from(executions).where(eq(executions.id, id)).limit(1),
      await tx.select().from(taskRuns).where(eq(taskRuns.executionId, id)).orderBy(asc(taskRuns.id)),
    ]));
    if (!row) return undefined;
    return { execution: executionFromRow(row), taskRuns: runs.map(taskRunFromRow) };
  }

  async searchExecutions(query: ExecutionSearch & PageRequest): Promise<Page<ExecutionRecord>> {
    const { executions } = this.ctx.tables;
    if (query.after && query.page !== 1) throw new UserError("a search continues either after a cursor or at a page, not both", { status: 400 });
    const where = and(
      // a flow is named by its namespace and id: with a flow id, the namespace is exact (as in
      // Kestra's JDBC repository), which lets the (namespace, flow_id, created, id) index serve
      query.flowId && query.namespace ? eq(executions.namespace, query.namespace) : inNamespace(executions.namespace, query.namespace),
      query.flowId ? eq(executions.flowId, query.flowId) : undefined,
      query.state?.length ? inArray(executions.state, query.state) : undefined,
      // a Loop's iterations are found only when asked for (Kestra's search: NORMAL executions by default)
      query.kind === "LOOP" ? eq(executions.kind, "LOOP") : isNull(executions.kind),
      query.parentId ? eq(executions.parentId, query.parentId) : undefined,
      ...Object.entries(query.labels ?? {}).map(([key, value]) => this.ctx.hasLabel(executions.labels, key, value)),
      query.startedAfter ? gte(executions.created, query.startedAfter) : undefined,
      // an execution's last update is its end once it is terminal; it started before it ended,
      // which bounds the (created, id) index walk of a time range at both ends
      query.endedBefore ? and(inArray(executions.state, TERMINAL), lte(executions.updated, query.endedBefore), lte(executions.created, query.endedBefore)) : undefined,
    );
    const { after } = query;
    const page = after
      ? // `created <=` bounds the index range; the OR then drops the rows of that date already given
        and(where, lte(executions.created, after.created), or(lt(executions.created, after.created), lt(executions.id, after.id)))
      : where;
    // newest first by (created, id): the order the (…, created, id) indexes are walked in, so a
    // page reads `size` index entries rather than sorting every match. The page and its count
    // are two statements either way (never one snapshot): sent together, on two connections of
    // the pool, a search waits for the slower of them rather than for both in turn (at
    // 1,000,000 executions a rare label's page and count each read its 1,000 matches).
    const newestFirst = [desc(executions.created), desc(executions.id)];
    const skip = after ? 0 : (query.page - 1) * query.size;
    const [rows, total] = await Promise.all([
      this.ctx.db()
        .select()
        .from(executions)
        // a namespace and its children match sparsely along executions_created (a namespace of
        // twenty: ~20 entries walked per row of the page), which checks them in the index
        .where(skip || (query.namespace && !query.flowId) ? this.idsFirst(page, skip, query.size) : page)
        .orderBy(...newestFirst)
        .limit(query.size),
      this.countExecutions(where, query.countUpTo),
    ]);
    return { results: rows.map(executionFromRow), ...total };
  }

  /**
   * The page's ids found first, along the filter's index, then only those rows read: a plain
   * select reads the whole row of every execution it walks past, skipped by an OFFSET or not
   * matching a condition checked on the row (MariaDB: pages 200–400 of 25 by offset took
   * 38–49 ms p50 at 1,000,000 executions). The ids alone come from the index when it holds
   * every column the filter names. Selected from a derived table: MariaDB refuses a LIMIT
   * directly inside IN (…).
   */
  private idsFirst(where: SQL | undefined, skip: number, size: number): SQL {
    const { executions } = this.ctx.tables;
    const ids = this.ctx.db()
      .select({ id: executions.id })
      .from(executions)
      .where(where)
      .orderBy(desc(executions.created), desc(executions.id))
      .limit(size)
      .offset(skip);
    return sql`${executions.id} in (select ${sql.identifier("id")} from ${ids} as ${sql.identifier("page_ids")})`;
  }

  /** exact up to `upTo` matches (a bounded index walk); past it, the planner's estimate where the database gives one */
  private async countExecutions(where: SQL | undefined, upTo: number | undefined): Promise<{ total: number; totalEstimated?: true }> {
    const { ctx } = this;
    const { executions } = ctx.tables;
    const exact = async () => Number(((await ctx.db().select({ n: count() }).from(executions).where(where)) as Array<{ n: number }>)[0].n);
    if (upTo === undefined) return { total: await exact() };
    const bounded = ctx.db().select({ one: sql`1` }).from(executions).where(where).limit(upTo + 1).as("bounded");
    const [{ n }] = (await ctx.db().select({ n: count() }).from(bounded)) as Array<{ n: number }>;
    if (Number(n) <= upTo) return { total: Number(n) };
    const estimate = await ctx.estimateRows(ctx.db().select({ one: sql`1` }).from(executions).where(where));
    return estimate === undefined ? { total: await exact() } : { total: Math.max(upTo + 1, estimate), totalEstimated: true };
  }

  async listUnfinishedExecutions(): Promise<UnfinishedExecution[]> {
    const { executions } = this.ctx.tables;
    return (await this.ctx.db()
      .select({ id: executions.id, state: executions.state, updated: executions.updated })
      .from(executions)
      .where(notInArray(executions.state, TERMINAL))
      .orderBy(asc(executions.id)));
  }

  async deleteTaskRuns(executionId: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    const { taskRuns } = this.ctx.tables;
    await this.ctx.db().delete(taskRuns).where(and(eq(taskRuns.executionId, executionId), inArray(taskRuns.id, ids)));
  }

  async findEndedExecutions(query: EndedExecutionsQuery, limit: number): Promise<ExecutionRecord[]> {
    const { executions } = this.ctx.tables;
    const states = query.states?.length ? query.states.filter((s) => TERMINAL.includes(s)) : TERMINAL;
    if (!states.length) return [];
    // a terminal execution is saved for the last time when it ends: `updated` is its end date
    const rows = (await this.ctx.db()
      .select()
      .from(executions)
      .where(
        and(
          inArray(executions.state, states),
          lt(executions.updated, query.endedBefore),
          query.startedAfter ? gte(executions.created, query.startedAfter) : undefined,
          inNamespace(executions.namespace, query.namespace),
          query.flowId ? eq(executions.flowId, query.flowId) : undefined,
        ),
      )
      .orderBy(asc(executions.updated), asc(executions.id))
      .limit(limit));
    return rows.map(executionFromRow);
  }

  async purgeExecutions(ids: string[], what: { executions: boolean; logs: boolean; metrics: boolean }) {
    const { ctx } = this;
    const { executions, taskRuns, logs, metrics } = ctx.tables;
    const counts = { executions: 0, logs: 0, metrics: 0 };
    if (!ids.length) return counts;
    return ctx.transaction(async (tx) => {
      // only ended ones: an execution restarted since it was found is no longer purgeable
      const ended = (await tx.select({ id: executions.id }).from(executions).where(and(inArray(executions.id, ids), inArray(executions.state, TERMINAL)))).map((r) => r.id);
      if (!ended.length) return counts;
      if (what.logs) counts.logs = ctx.changedRows(await tx.delete(logs).where(inArray(logs.executionId, ended)));
      if (what.metrics) counts.metrics = ctx.changedRows(await tx.delete(metrics).where(inArray(metrics.executionId, ended)));
      if (what.executions) {
        await tx.delete(taskRuns).where(inArray(taskRuns.executionId, ended));
        counts.executions = ctx.changedRows(await tx.delete(executions).where(inArray(executions.id, ended)));
      }
      return counts;
    });
  }
}
