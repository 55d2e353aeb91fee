import {
  ConflictError, NotFoundError, OperationalError, UserError, type ConcurrencySlotRecord, type ConnectionRecord, type EndedExecutionsQuery, type ExecutionRecord, type ExecutionSearch, type ExecutionState, type FlowRecord, type LogEntry, type LogLevel, type LogsQuery, type Page,
  type PageRequest, type KvRecord, type MetricEntry, type Repository, type SecretRecord, type TaskCacheRecord, type TaskRunRecord, type TriggerRef,
  type TriggerStateRecord, type UnfinishedExecution,
} from "@ferry/sdk";
import { and, asc, count, desc, eq, gt, gte, inArray, isNull, like, lt, lte, notInArray, or, sql, type Column, type SQL, type SQLWrapper } from "drizzle-orm";
import {
  executionFromRow, executionToRow, flowFromRow, kvFromRow, LEVEL_RANK, logFromRow, logToRow, metricFromRow, taskRunFromRow, taskRunToRow, triggerFromRow, triggerToRow,
  type FlowRow,
} from "./rows.js";
import type { Insertable, SqlDatabase } from "./sql-database.js";
import type { SqlTable } from "./sql-table.js";
import type { SqlTables } from "./tables.js";
import { ConcurrencySlots } from "./concurrency-slots.js";
import { retryingLostRaces } from "./race-retry.js";
import { connectionFromRow, connectionToRow } from "./connection-rows.js";
import { ChangeFeed } from "./change-feed.js";

// Kestra's terminated states an execution can end in
const TERMINAL: ExecutionState[] = ["SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED"];

/**
 * The repository logic every SQL dialect shares. A dialect supplies its connection,
 * tables, transactions and the one statement whose SQL truly differs (upsert), and
 * overrides what it can do faster.
 */
export abstract class SqlRepository<Db extends SqlDatabase = SqlDatabase> implements Repository {
  protected abstract readonly tables: SqlTables;
  /** the database's name, for messages */
  protected abstract readonly dialect: string;
  /** the dialect's database, once init() opened it */
  protected database?: Db;
  /** runs fn in one transaction */
  protected abstract transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * inserts the rows, or updates those whose key (a column or several) exists, every column but
   * the `keep` ones (one statement, atomic: concurrent upserts of one key never fail on it)
   */
  protected abstract upsert<Row>(tx: Db, table: SqlTable<Row>, rows: Array<Insertable<Row>>, key: Column | Column[], keep?: string[]): Promise<void>;
  /** inserts the row unless one with its key exists (then does nothing); how many rows it inserted */
  protected abstract insertIgnore<Row>(table: SqlTable<Row>, row: Insertable<Row>): Promise<number>;
  /** true for an error that means a concurrent writer committed first (unique violation, deadlock, serialization failure) */
  protected abstract lostRace(error: unknown): boolean;
  /** how many rows an update changed, from the driver's result */
  protected abstract changedRows(result: unknown): number;
  /** the condition "the JSON object in `column` has `key` with the text `value`" (each dialect reads JSON its own way) */
  protected abstract hasLabel(column: Column, key: string, value: string): SQL;

  abstract init(): Promise<void>;
  abstract close(): Promise<void>;

  protected db(): Db {
    if (!this.database) throw new OperationalError(`the ${this.dialect} repository is not initialised`);
    return this.database;
  }

  private feedOf?: ChangeFeed<Db>;
  /** the history exporter's reads (change-feed.ts), an execution with its task runs in one transaction */
  private get feed(): ChangeFeed<Db> {
    return (this.feedOf ??= new ChangeFeed(this.tables, (fn) => this.transaction(fn), () => this.db()));
  }
  listExecutionChanges(after: { updated: string; id: string }, limit: number) {
    return this.feed.executionsAfter(after, limit);
  }
  listLogsAfter(seq: number, limit: number) {
    return this.feed.logsAfter(seq, limit);
  }
  listMetricsAfter(seq: number, limit: number) {
    return this.feed.metricsAfter(seq, limit);
  }

  private slotsOf?: ConcurrencySlots;
  private get concurrency(): ConcurrencySlots {
    return (this.slotsOf ??= new ConcurrencySlots(this.tables.concurrencySlots));
  }

  /**
   * Runs fn in one transaction that holds the flow's lock row (SELECT … FOR UPDATE), so
   * admissions to one flow happen one at a time across processes. The row is created first,
   * outside, as a row must exist to be locked.
   */
  protected async withFlowSlotsLocked<T>(namespace: string, flowId: string, fn: (tx: Db) => Promise<T>): Promise<T> {
    const { concurrencyLocks: locks } = this.tables;
    await this.insertIgnore(locks, { namespace, flowId });
    return this.transaction(async (tx) => {
      await this.lockFlowSlots(tx, namespace, flowId);
      return fn(tx);
    });
  }

  /** locks the flow's row of `concurrency_locks` until `tx` ends (SELECT … FOR UPDATE) */
  protected async lockFlowSlots(tx: Db, namespace: string, flowId: string): Promise<void> {
    const { concurrencyLocks: locks } = this.tables;
    await tx.select().from(locks).where(and(eq(locks.namespace, namespace), eq(locks.flowId, flowId))).for("update");
  }

  /**
   * Serializes the saves of one flow's revisions inside `tx`, before the latest revision is
   * read. By default nothing: two saves then race for the next revision's primary key, and the
   * loser runs again (saveFlow retries lost races). A dialect that can lock does so here.
   */
  protected async lockFlow(_tx: Db, _namespace: string, _id: string): Promise<void> {}

  async saveFlow(flow: { namespace: string; id: string; source: string }, options: { only?: "create" | "update" } = {}) {
    const { flows } = this.tables;
    return retryingLostRaces(`saving flow ${flow.namespace}.${flow.id}`, (error) => this.lostRace(error), () =>
      this.transaction(async (tx) => {
        await this.lockFlow(tx, flow.namespace, flow.id);
        const [current] = (await tx
          .select()
          .from(flows)
          .where(and(eq(flows.namespace, flow.namespace), eq(flows.id, flow.id)))
          .orderBy(desc(flows.revision))
          .limit(1));
        const next = nextFlowRevision(flow, current, options.only);
        if (next.changed) await tx.insert(flows).values(next.row);
        return next.result;
      }),
    );
  }

  async getFlow(namespace: string, id: string, revision?: number): Promise<FlowRecord | undefined> {
    const { flows } = this.tables;
    const [row] = (await this.db()
      .select()
      .from(flows)
      .where(and(eq(flows.namespace, namespace), eq(flows.id, id), revision ? eq(flows.revision, revision) : undefined))
      .orderBy(desc(flows.revision))
      .limit(1));
    if (!row || (row.deleted && revision === undefined)) return undefined;
    return flowFromRow(row);
  }

  async listFlowRevisions(namespace: string, id: string): Promise<FlowRecord[]> {
    const { flows } = this.tables;
    const rows = (await this.db().select().from(flows).where(and(eq(flows.namespace, namespace), eq(flows.id, id))).orderBy(asc(flows.revision)));
    if (!rows.length || rows[rows.length - 1].deleted) return [];
    return rows.map(flowFromRow);
  }

  async searchFlows(query: { namespace?: string; q?: string } & PageRequest): Promise<Page<FlowRecord>> {
    const { flows } = this.tables;
    const filters: Array<SQL | undefined> = [
      eq(flows.deleted, false),
      sql`${flows.revision} = (select max(f2.revision) from ${flows} f2 where f2.namespace = ${flows.namespace} and f2.id = ${flows.id})`,
    ];
    if (query.namespace) filters.push(inNamespace(flows.namespace, query.namespace));
    if (query.q) filters.push(or(like(flows.id, `%${query.q}%`), like(flows.namespace, `%${query.q}%`)));
    const where = and(...filters);
    const [{ n }] = (await this.db().select({ n: count() }).from(flows).where(where));
    const rows = (await this.db()
      .select()
      .from(flows)
      .where(where)
      .orderBy(asc(flows.namespace), asc(flows.id))
      .limit(query.size)
      .offset((query.page - 1) * query.size));
    return { results: rows.map(flowFromRow), total: Number(n) };
  }

  async listFlowChanges(since: string): Promise<FlowRecord[]> {
    const { flows } = this.tables;
    // the range on `updated` (indexed) comes first: a poll that finds nothing new reads nothing
    const rows = (await this.db()
      .select()
      .from(flows)
      .where(and(gt(flows.updated, since), sql`${flows.revision} = (select max(f2.revision) from ${flows} f2 where f2.namespace = ${flows.namespace} and f2.id = ${flows.id})`))
      .orderBy(asc(flows.updated)));
    return rows.map(flowFromRow);
  }

  async deleteFlow(namespace: string, id: string): Promise<boolean> {
    const { flows } = this.tables;
    // one statement: of two concurrent deletes exactly one answers true. A live flow has at
    // least one revision not marked deleted (a deleted flow has all of them marked).
    const where = and(eq(flows.namespace, namespace), eq(flows.id, id), eq(flows.deleted, false));
    return this.changedRows(await this.db().update(flows).set({ deleted: true, updated: new Date().toISOString() }).where(where)) > 0;
  }

  async saveExecution(execution: ExecutionRecord, runs: TaskRunRecord[] = [], options: { expectedVersion?: number } = {}): Promise<void> {
    const { executions, taskRuns } = this.tables;
    const expected = options.expectedVersion;
    const executionRow = () => executionToRow(execution);
    // one statement is atomic by itself: no BEGIN/COMMIT round trips
    if (expected === undefined && !runs.length) return this.upsert(this.db(), executions, [executionRow()], executions.id);
    // a deadlock between two multi-row upserts is broken by the database: the save runs again
    // (the version check with it, so a lost race never becomes a lost update)
    await retryingLostRaces(`saving execution ${execution.id}`, (error) => this.lostRace(error), () => this.transaction(async (tx) => {
      // the statements go out together (drivers that pipeline send them in one write); a
      // version conflict throws after both ran, which rolls the task runs back with the rest
      const [saved] = await Promise.all([
        expected === undefined
          ? this.upsert(tx, executions, [executionRow()], executions.id)
          : this.updateIfVersion(tx, execution, expected),
        runs.length ? this.upsert(tx, taskRuns, runs.map((run) => taskRunToRow(run)), taskRuns.id) : undefined,
      ]);
      if (saved === false) throw new ConflictError(`execution ${execution.id} was saved by another executor (expected version ${expected})`);
    }));
  }

  /** one conditional update both checks the version and saves (no SELECT … FOR UPDATE round trip); false when the version moved */
  private async updateIfVersion(tx: Db, execution: ExecutionRecord, expected: number): Promise<boolean> {
    const { executions } = this.tables;
    const { id, namespace, flowId, flowRevision, created, ...changes } = executionToRow({ ...execution, version: expected + 1 });
    const result = await tx.update(executions).set(changes).where(and(eq(executions.id, id), eq(executions.version, expected)));
    return this.changedRows(result) > 0;
  }

  async getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined> {
    const { executions, taskRuns } = this.tables;
    // one transaction, one snapshot: two queries on two pool connections could read the
    // execution after a save and its task runs before it
    const [[row], runs] = (await this.transaction(async (tx) => [
      await tx.select().from(executions).where(eq(executions.id, id)).limit(1),
      await tx.select().from(taskRuns).where(eq(taskRuns.executionId, id)).orderBy(asc(taskRuns.id)),
    ]));
    if (!row) return undefined;
    return { execution: executionFromRow(row), taskRuns: runs.map(taskRunFromRow) };
  }

  async searchExecutions(query: ExecutionSearch & PageRequest): Promise<Page<ExecutionRecord>> {
    const { executions } = this.tables;
    if (query.after && query.page !== 1) throw new UserError("a search continues either after a cursor or at a page, not both", { status: 400 });
    const where = and(
      // a flow is named by its namespace and id: with a flow id, the namespace is exact (as in
      // Kestra's JDBC repository), which lets the (namespace, flow_id, created, id) index serve
      query.flowId && query.namespace ? eq(executions.namespace, query.namespace) : inNamespace(executions.namespace, query.namespace),
      query.flowId ? eq(executions.flowId, query.flowId) : undefined,
      query.state?.length ? inArray(executions.state, query.state) : undefined,
      ...Object.entries(query.labels ?? {}).map(([key, value]) => this.hasLabel(executions.labels, key, value)),
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
    // page reads `size` index entries rather than sorting every match
    const rows = (await this.db()
      .select()
      .from(executions)
      .where(page)
      .orderBy(desc(executions.created), desc(executions.id))
      .limit(query.size)
      .offset(after ? 0 : (query.page - 1) * query.size));
    return { results: rows.map(executionFromRow), ...(await this.countExecutions(where, query.countUpTo)) };
  }

  /** exact up to `upTo` matches (a bounded index walk); past it, the planner's estimate where the database gives one */
  private async countExecutions(where: SQL | undefined, upTo: number | undefined): Promise<{ total: number; totalEstimated?: true }> {
    const { executions } = this.tables;
    const exact = async () => Number(((await this.db().select({ n: count() }).from(executions).where(where)) as Array<{ n: number }>)[0].n);
    if (upTo === undefined) return { total: await exact() };
    const bounded = this.db().select({ one: sql`1` }).from(executions).where(where).limit(upTo + 1).as("bounded");
    const [{ n }] = (await this.db().select({ n: count() }).from(bounded)) as Array<{ n: number }>;
    if (Number(n) <= upTo) return { total: Number(n) };
    const estimate = await this.estimateRows(this.db().select({ one: sql`1` }).from(executions).where(where));
    return estimate === undefined ? { total: await exact() } : { total: Math.max(upTo + 1, estimate), totalEstimated: true };
  }

  /** how many rows the database's planner expects this query to return; undefined where it cannot say */
  protected async estimateRows(_query: SQLWrapper): Promise<number | undefined> {
    return undefined;
  }

  async listUnfinishedExecutions(): Promise<UnfinishedExecution[]> {
    const { executions } = this.tables;
    return (await this.db()
      .select({ id: executions.id, state: executions.state, updated: executions.updated })
      .from(executions)
      .where(notInArray(executions.state, TERMINAL))
      .orderBy(asc(executions.id)));
  }

  async deleteTaskRuns(executionId: string, ids: string[]): Promise<void> {
    if (!ids.length) return;
    const { taskRuns } = this.tables;
    await this.db().delete(taskRuns).where(and(eq(taskRuns.executionId, executionId), inArray(taskRuns.id, ids)));
  }

  async findEndedExecutions(query: EndedExecutionsQuery, limit: number): Promise<ExecutionRecord[]> {
    const { executions } = this.tables;
    const states = query.states?.length ? query.states.filter((s) => TERMINAL.includes(s)) : TERMINAL;
    if (!states.length) return [];
    // a terminal execution is saved for the last time when it ends: `updated` is its end date
    const rows = (await this.db()
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
    const { executions, taskRuns, logs, metrics } = this.tables;
    const counts = { executions: 0, logs: 0, metrics: 0 };
    if (!ids.length) return counts;
    return this.transaction(async (tx) => {
      // only ended ones: an execution restarted since it was found is no longer purgeable
      const ended = (await tx.select({ id: executions.id }).from(executions).where(and(inArray(executions.id, ids), inArray(executions.state, TERMINAL)))).map((r) => r.id);
      if (!ended.length) return counts;
      if (what.logs) counts.logs = this.changedRows(await tx.delete(logs).where(inArray(logs.executionId, ended)));
      if (what.metrics) counts.metrics = this.changedRows(await tx.delete(metrics).where(inArray(metrics.executionId, ended)));
      if (what.executions) {
        await tx.delete(taskRuns).where(inArray(taskRuns.executionId, ended));
        counts.executions = this.changedRows(await tx.delete(executions).where(inArray(executions.id, ended)));
      }
      return counts;
    });
  }

  async purgeLogs(query: LogsQuery): Promise<number> {
    const { logs } = this.tables;
    const where = and(
      lt(logs.timestamp, query.before),
      query.after ? gte(logs.timestamp, query.after) : undefined,
      inNamespace(logs.namespace, query.namespace),
      query.flowId ? eq(logs.flowId, query.flowId) : undefined,
      query.executionId ? eq(logs.executionId, query.executionId) : undefined,
      query.levels?.length ? inArray(logs.level, query.levels) : undefined,
    );
    return this.changedRows(await this.db().delete(logs).where(where));
  }

  async getTaskCache(key: string): Promise<TaskCacheRecord | undefined> {
    const { taskCache } = this.tables;
    const [row] = (await this.db().select().from(taskCache).where(eq(taskCache.key, key)).limit(1));
    return row && { ...row };
  }

  async saveTaskCache(record: TaskCacheRecord): Promise<void> {
    const { taskCache } = this.tables;
    await this.upsert(this.db(), taskCache, [{ ...record }], taskCache.key);
  }

  async deleteTaskCache(key: string): Promise<boolean> {
    const { taskCache } = this.tables;
    return this.changedRows(await this.db().delete(taskCache).where(eq(taskCache.key, key))) > 0;
  }

  async listTriggerStates(query: { namespace?: string; flowId?: string; updatedAfter?: string } = {}): Promise<TriggerStateRecord[]> {
    const { triggers } = this.tables;
    const rows = (await this.db()
      .select()
      .from(triggers)
      .where(
        and(
          inNamespace(triggers.namespace, query.namespace),
          query.flowId ? eq(triggers.flowId, query.flowId) : undefined,
          query.updatedAfter !== undefined ? gt(triggers.updated, query.updatedAfter) : undefined,
        ),
      )
      .orderBy(asc(triggers.namespace), asc(triggers.flowId), asc(triggers.triggerId)));
    return rows.map(triggerFromRow);
  }

  async initTriggerState(state: TriggerStateRecord): Promise<TriggerStateRecord> {
    await this.insertIgnore(this.tables.triggers, triggerToRow(state));
    return (await this.triggerState(state))!;
  }

  async recordTriggerFire(ref: TriggerRef, fire: string, next?: string): Promise<void> {
    const { triggers } = this.tables;
    await this.db()
      .update(triggers)
      .set({ lastFire: fire, nextFire: next ?? null, updated: new Date().toISOString() })
      .where(and(this.isTrigger(ref), or(isNull(triggers.lastFire), lt(triggers.lastFire, fire))));
  }

  async setTriggerDisabled(ref: TriggerRef, disabled: boolean): Promise<TriggerStateRecord> {
    const { triggers } = this.tables;
    const updated = new Date().toISOString();
    await this.insertIgnore(triggers, triggerToRow({ ...ref, disabled, updated }));
    await this.db().update(triggers).set({ disabled, updated }).where(this.isTrigger(ref));
    return (await this.triggerState(ref))!;
  }

  private isTrigger(ref: TriggerRef): SQL | undefined {
    const { triggers } = this.tables;
    return and(eq(triggers.namespace, ref.namespace), eq(triggers.flowId, ref.flowId), eq(triggers.triggerId, ref.triggerId));
  }

  private async triggerState(ref: TriggerRef): Promise<TriggerStateRecord | undefined> {
    const [row] = (await this.db().select().from(this.tables.triggers).where(this.isTrigger(ref)).limit(1));
    return row && triggerFromRow(row);
  }

  async claim(key: string, executionId: string, expires: string): Promise<{ won: boolean; executionId: string }> {
    const { claims } = this.tables;
    // an expired claim is free: remove it first, then the key's primary key arbitrates
    await this.db().delete(claims).where(and(eq(claims.key, key), lt(claims.expires, new Date().toISOString())));
    await this.insertIgnore(claims, { key, executionId, expires });
    const [row] = (await this.db().select().from(claims).where(eq(claims.key, key)).limit(1));
    return { won: row?.executionId === executionId, executionId: row?.executionId ?? executionId };
  }

  async deleteExpiredClaims(now: string): Promise<number> {
    const { claims } = this.tables;
    return this.changedRows(await this.db().delete(claims).where(lt(claims.expires, now)));
  }

  async acquireConcurrencySlot(slot: Omit<ConcurrencySlotRecord, "running">, wait: boolean): Promise<"running" | "waiting" | "refused"> {
    return this.withFlowSlotsLocked(slot.namespace, slot.flowId, (tx) => this.concurrency.acquire(tx, slot, wait));
  }

  async releaseConcurrencySlot(executionId: string): Promise<string[]> {
    const held = await this.concurrency.find(this.db(), executionId);
    if (!held) return [];
    return this.withFlowSlotsLocked(held.namespace, held.flowId, async (tx) => {
      await this.concurrency.release(tx, executionId);
      return this.concurrency.admissible(tx, held.namespace, held.flowId);
    });
  }

  async listConcurrencySlots(namespace: string, flowId: string): Promise<ConcurrencySlotRecord[]> {
    return this.concurrency.list(this.db(), namespace, flowId);
  }

  async repairConcurrencySlots(): Promise<{ released: number; admissible: string[] }> {
    const orphans = await this.concurrency.orphans(this.db(), this.tables.executions, TERMINAL);
    for (const id of orphans) await this.releaseConcurrencySlot(id);
    const admissible: string[] = [];
    for (const flow of await this.concurrency.flowsWaiting(this.db())) admissible.push(...(await this.concurrency.admissible(this.db(), flow.namespace, flow.flowId)));
    return { released: orphans.length, admissible };
  }

  async appendLogs(entries: LogEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.db().insert(this.tables.logs).values(entries.map(logToRow));
  }

  async findLogs(executionId: string, filter: { taskId?: string; taskRunId?: string; minLevel?: LogLevel } = {}): Promise<LogEntry[]> {
    const { logs } = this.tables;
    const rows = (await this.db()
      .select()
      .from(logs)
      .where(
        and(
          eq(logs.executionId, executionId),
          filter.taskId ? eq(logs.taskId, filter.taskId) : undefined,
          filter.taskRunId ? eq(logs.taskRunId, filter.taskRunId) : undefined,
          filter.minLevel ? gte(logs.levelRank, LEVEL_RANK[filter.minLevel]) : undefined,
        ),
      )
      .orderBy(asc(logs.seq)));
    return rows.map(logFromRow);
  }

  async appendMetrics(entries: MetricEntry[]): Promise<void> {
    if (!entries.length) return;
    await this.db().insert(this.tables.metrics).values(entries.map((m) => ({ ...m, tags: m.tags ?? {} })));
  }

  async findMetrics(executionId: string, filter: { taskId?: string; taskRunId?: string } = {}): Promise<MetricEntry[]> {
    const { metrics } = this.tables;
    const rows = (await this.db()
      .select()
      .from(metrics)
      .where(
        and(
          eq(metrics.executionId, executionId),
          filter.taskId ? eq(metrics.taskId, filter.taskId) : undefined,
          filter.taskRunId ? eq(metrics.taskRunId, filter.taskRunId) : undefined,
        ),
      )
      .orderBy(asc(metrics.seq)));
    return rows.map(metricFromRow);
  }

  async getSecret(namespace: string, name: string): Promise<SecretRecord | undefined> {
    const { secrets } = this.tables;
    const [row] = (await this.db().select().from(secrets).where(and(eq(secrets.namespace, namespace), eq(secrets.name, name))).limit(1));
    return row && { ...row };
  }

  async listSecrets(namespace?: string): Promise<SecretRecord[]> {
    const { secrets } = this.tables;
    const rows = (await this.db()
      .select()
      .from(secrets)
      .where(namespace === undefined ? undefined : eq(secrets.namespace, namespace))
      .orderBy(asc(secrets.namespace), asc(secrets.name)));
    return rows.map((r) => ({ ...r }));
  }

  async saveSecret(record: SecretRecord): Promise<void> {
    const { secrets } = this.tables;
    // an upsert, not delete + insert: two concurrent first saves would both insert
    await this.upsert(this.db(), secrets, [{ ...record }], [secrets.namespace, secrets.name]);
  }

  async deleteSecret(namespace: string, name: string): Promise<boolean> {
    const { secrets } = this.tables;
    return this.changedRows(await this.db().delete(secrets).where(and(eq(secrets.namespace, namespace), eq(secrets.name, name)))) > 0;
  }

  async replaceSecrets(records: SecretRecord[]): Promise<void> {
    const { secrets } = this.tables;
    // a secret saved meanwhile (uncommitted when the delete ran) takes a key the insert wants: run it all again
    await retryingLostRaces("replacing the secrets", (error) => this.lostRace(error), () =>
      this.transaction(async (tx) => {
        await tx.delete(secrets);
        if (records.length) await tx.insert(secrets).values(records.map((r) => ({ ...r })));
      }),
    );
  }

  async getKv(namespace: string, key: string): Promise<KvRecord | undefined> {
    const { kv } = this.tables;
    const [row] = (await this.db().select().from(kv).where(and(eq(kv.namespace, namespace), eq(kv.key, key))).limit(1));
    return row && kvFromRow(row);
  }

  async listKv(namespace: string, prefix = ""): Promise<KvRecord[]> {
    const { kv } = this.tables;
    const rows = (await this.db().select().from(kv).where(eq(kv.namespace, namespace)).orderBy(asc(kv.key)));
    // the prefix is matched here, not with LIKE: keys hold '_' and '.', and each dialect escapes LIKE its own way
    return rows.filter((r) => r.key.startsWith(prefix)).map(kvFromRow);
  }

  async saveKv(record: KvRecord, options: { ifValueUri?: string | null } = {}): Promise<boolean> {
    const { kv } = this.tables;
    const row = { ...record, expires: record.expires ?? null };
    if (options.ifValueUri === undefined) {
      await this.upsert(this.db(), kv, [row], [kv.namespace, kv.key], ["created"]);
      return true;
    }
    if (options.ifValueUri === null) return (await this.insertIgnore(kv, row)) > 0;
    const { namespace, key, created, ...changes } = row;
    const where = and(eq(kv.namespace, namespace), eq(kv.key, key), eq(kv.valueUri, options.ifValueUri));
    return this.changedRows(await this.db().update(kv).set(changes).where(where)) > 0;
  }

  async listNamespaces(): Promise<string[]> {
    const { flows, kv, connections } = this.tables;
    const found = (await Promise.all([
      this.db().selectDistinct({ namespace: flows.namespace }).from(flows).where(eq(flows.deleted, false)),
      this.db().selectDistinct({ namespace: kv.namespace }).from(kv),
      this.db().selectDistinct({ namespace: connections.namespace }).from(connections),
    ]));
    return [...new Set(found.flat().map((r) => r.namespace))].sort();
  }

  async getConnection(namespace: string, id: string): Promise<ConnectionRecord | undefined> {
    const { connections } = this.tables;
    const [row] = (await this.db().select().from(connections).where(and(eq(connections.namespace, namespace), eq(connections.id, id))).limit(1));
    return row && connectionFromRow(row);
  }

  async listConnections(namespace: string): Promise<ConnectionRecord[]> {
    const { connections } = this.tables;
    const rows = (await this.db().select().from(connections).where(eq(connections.namespace, namespace)).orderBy(asc(connections.id)));
    return rows.map(connectionFromRow);
  }

  async saveConnection(record: ConnectionRecord): Promise<void> {
    const { connections } = this.tables;
    // one upsert: concurrent first saves of one id never fail on its key, and the first `created` stays
    await this.upsert(this.db(), connections, [connectionToRow(record)], [connections.namespace, connections.id], ["created"]);
  }

  async deleteConnection(namespace: string, id: string): Promise<boolean> {
    const { connections } = this.tables;
    return this.changedRows(await this.db().delete(connections).where(and(eq(connections.namespace, namespace), eq(connections.id, id)))) > 0;
  }

  async deleteKv(namespace: string, key: string, options: { ifValueUri?: string } = {}): Promise<boolean> {
    const { kv } = this.tables;
    const where = and(eq(kv.namespace, namespace), eq(kv.key, key), options.ifValueUri === undefined ? undefined : eq(kv.valueUri, options.ifValueUri));
    return this.changedRows(await this.db().delete(kv).where(where)) > 0;
  }
}

type FlowSave = { flow: FlowRecord; created: boolean; changed: boolean };

/**
 * What saving `flow` does after its latest stored revision (`current`): nothing when the source
 * is unchanged, else insert `row`, revision + 1. `only` refuses a create over a live flow (409)
 * and an update of a missing one (404), judged on what the caller's transaction read.
 */
export function nextFlowRevision(
  flow: { namespace: string; id: string; source: string },
  current: FlowRow | undefined,
  only: "create" | "update" | undefined,
): { changed: false; result: FlowSave } | { changed: true; row: FlowRow; result: FlowSave } {
  const live = Boolean(current && !current.deleted);
  if (only === "create" && live) {
    throw new ConflictError(`flow ${flow.namespace}.${flow.id} already exists; update it with PUT /api/v1/flows/${flow.namespace}/${flow.id}`);
  }
  if (only === "update" && !live) throw new NotFoundError(`flow ${flow.namespace}.${flow.id} not found; create it with POST /api/v1/flows`);
  if (current && live && current.source === flow.source) return { changed: false, result: { flow: flowFromRow(current), created: false, changed: false } };
  const row: FlowRow = {
    namespace: flow.namespace, id: flow.id, revision: (current?.revision ?? 0) + 1, source: flow.source, deleted: false, updated: new Date().toISOString(),
  };
  return { changed: true, row, result: { flow: flowFromRow(row), created: !live, changed: true } };
}

/**
 * The namespace and its children (`company` matches `company.team`); no condition without
 * one. `_` and `%` in a namespace are LIKE wildcards: escaped with `!`, named in the
 * statement, since SQLite has no default escape character.
 */
function inNamespace(column: Column, namespace: string | undefined): SQL | undefined {
  if (!namespace) return undefined;
  const children = `${namespace.replace(/[!%_]/g, "!$&")}.%`;
  return or(eq(column, namespace), sql`${column} like ${children} escape '!'`);
}

