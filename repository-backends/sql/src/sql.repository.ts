import {
  OperationalError, type StateCountsQuery, type ChangeFeedRepository, type ClaimRepository, type ConcurrencyRepository, type ConnectionRepository, type ExecutionRepository, type FlowRepository,
  type KvRepository, type LogRepository, type MetricRepository, type Repository, type SecretRepository, type TaskCacheRepository, type TriggerRepository,
} from "@ferry/sdk";
import { and, eq, type Column, type SQL, type SQLWrapper } from "drizzle-orm";
import { SqlChangeFeedRepository } from "./repositories/change-feed.repository.js";
import { SqlClaimRepository } from "./repositories/claim.repository.js";
import { SqlConcurrencyRepository } from "./repositories/concurrency.repository.js";
import { SqlConnectionRepository } from "./repositories/connection.repository.js";
import { countExecutionStates } from "./repositories/execution-counts.js";
import { SqlExecutionRepository } from "./repositories/execution.repository.js";
import { SqlFlowRepository } from "./repositories/flow.repository.js";
import { SqlKvRepository } from "./repositories/kv.repository.js";
import { SqlLogRepository } from "./repositories/log.repository.js";
import { SqlMetricRepository } from "./repositories/metric.repository.js";
import { SqlNamespaceRepository } from "./repositories/namespace.repository.js";
import { SqlSecretRepository } from "./repositories/secret.repository.js";
import { SqlTaskCacheRepository } from "./repositories/task-cache.repository.js";
import { SqlTriggerRepository } from "./repositories/trigger.repository.js";
import type { SqlContext } from "./sql-context.js";
import type { Insertable, SqlDatabase } from "./sql-database.js";
import type { SqlTable } from "./sql-table.js";
import type { SqlTables } from "./tables.js";

/**
 * The whole repository over one SQL database: a façade over one repository per entity
 * (repositories/*.repository.ts, as Kestra splits its own), which share the SqlContext built
 * here from the dialect's methods. A dialect extends this class: it supplies its connection,
 * tables, transactions and the statements whose SQL truly differs (upsert, JSON labels), and
 * overrides what it can do faster (its hot path).
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
  /** seconds from one ISO-8601 date column to another, as a number */
  protected abstract secondsBetween(from: Column, to: Column): SQL;

  abstract init(): Promise<void>;
  abstract close(): Promise<void>;

  protected db(): Db {
    if (!this.database) throw new OperationalError(`the ${this.dialect} repository is not initialised`);
    return this.database;
  }

  /** how many rows the database's planner expects this query to return; undefined where it cannot say */
  protected async estimateRows(_query: SQLWrapper): Promise<number | undefined> {
    return undefined;
  }

  /**
   * Serializes the saves of one flow's revisions inside `tx`, before the latest revision is
   * read. By default nothing: two saves then race for the next revision's primary key, and the
   * loser runs again (saveFlow retries lost races). A dialect that can lock does so here.
   */
  protected async lockFlow(_tx: Db, _namespace: string, _id: string): Promise<void> {}

  /** locks the flow's row of `concurrency_locks` until `tx` ends (SELECT … FOR UPDATE) */
  protected async lockFlowSlots(tx: Db, namespace: string, flowId: string): Promise<void> {
    const { concurrencyLocks: locks } = this.tables;
    await tx.select().from(locks).where(and(eq(locks.namespace, namespace), eq(locks.flowId, flowId))).for("update");
  }

  /** the dialect's methods as the entity repositories use them; read at each call, as the dialect's fields are set after this constructor */
  private readonly context: SqlContext<Db> = ((self) => ({
    get tables() {
      return self.tables;
    },
    db: () => self.db(),
    transaction: (fn) => self.transaction(fn),
    upsert: (tx, table, rows, key, keep) => self.upsert(tx, table, rows, key, keep),
    insertIgnore: (table, row) => self.insertIgnore(table, row),
    lostRace: (error) => self.lostRace(error),
    changedRows: (result) => self.changedRows(result),
    hasLabel: (column, key, value) => self.hasLabel(column, key, value),
    secondsBetween: (from, to) => self.secondsBetween(from, to),
    estimateRows: (query) => self.estimateRows(query),
    lockFlow: (tx, namespace, id) => self.lockFlow(tx, namespace, id),
    lockFlowSlots: (tx, namespace, flowId) => self.lockFlowSlots(tx, namespace, flowId),
  }))(this);

  private readonly flows = new SqlFlowRepository(this.context);
  private readonly executions = new SqlExecutionRepository(this.context);
  private readonly logs = new SqlLogRepository(this.context);
  private readonly metrics = new SqlMetricRepository(this.context);
  private readonly taskCache = new SqlTaskCacheRepository(this.context);
  private readonly triggers = new SqlTriggerRepository(this.context);
  private readonly claims = new SqlClaimRepository(this.context);
  private readonly concurrency = new SqlConcurrencyRepository(this.context);
  private readonly secrets = new SqlSecretRepository(this.context);
  private readonly kv = new SqlKvRepository(this.context);
  private readonly connections = new SqlConnectionRepository(this.context);
  private readonly namespaces = new SqlNamespaceRepository(this.context);
  private readonly feed = new SqlChangeFeedRepository(this.context);

  saveFlow(...args: Parameters<FlowRepository["saveFlow"]>) { return this.flows.saveFlow(...args); }
  getFlow(...args: Parameters<FlowRepository["getFlow"]>) { return this.flows.getFlow(...args); }
  listFlowRevisions(...args: Parameters<FlowRepository["listFlowRevisions"]>) { return this.flows.listFlowRevisions(...args); }
  searchFlows(...args: Parameters<FlowRepository["searchFlows"]>) { return this.flows.searchFlows(...args); }
  deleteFlow(...args: Parameters<FlowRepository["deleteFlow"]>) { return this.flows.deleteFlow(...args); }
  deleteFlowRevisions(...args: Parameters<FlowRepository["deleteFlowRevisions"]>) { return this.flows.deleteFlowRevisions(...args); }
  listFlowChanges(...args: Parameters<FlowRepository["listFlowChanges"]>) { return this.flows.listFlowChanges(...args); }

  saveExecution(...args: Parameters<ExecutionRepository["saveExecution"]>) { return this.executions.saveExecution(...args); }
  insertExecution(...args: Parameters<ExecutionRepository["insertExecution"]>) { return this.executions.insertExecution(...args); }
  getExecution(...args: Parameters<ExecutionRepository["getExecution"]>) { return this.executions.getExecution(...args); }
  searchExecutions(...args: Parameters<ExecutionRepository["searchExecutions"]>) { return this.executions.searchExecutions(...args); }
  countExecutionStates(query: StateCountsQuery) { return countExecutionStates(this.context, query); }
  listUnfinishedExecutions() { return this.executions.listUnfinishedExecutions(); }
  deleteTaskRuns(...args: Parameters<ExecutionRepository["deleteTaskRuns"]>) { return this.executions.deleteTaskRuns(...args); }
  findEndedExecutions(...args: Parameters<ExecutionRepository["findEndedExecutions"]>) { return this.executions.findEndedExecutions(...args); }
  purgeExecutions(...args: Parameters<ExecutionRepository["purgeExecutions"]>) { return this.executions.purgeExecutions(...args); }

  appendLogs(...args: Parameters<LogRepository["appendLogs"]>) { return this.logs.appendLogs(...args); }
  findLogs(...args: Parameters<LogRepository["findLogs"]>) { return this.logs.findLogs(...args); }
  purgeLogs(...args: Parameters<LogRepository["purgeLogs"]>) { return this.logs.purgeLogs(...args); }

  appendMetrics(...args: Parameters<MetricRepository["appendMetrics"]>) { return this.metrics.appendMetrics(...args); }
  findMetrics(...args: Parameters<MetricRepository["findMetrics"]>) { return this.metrics.findMetrics(...args); }

  getTaskCache(...args: Parameters<TaskCacheRepository["getTaskCache"]>) { return this.taskCache.getTaskCache(...args); }
  saveTaskCache(...args: Parameters<TaskCacheRepository["saveTaskCache"]>) { return this.taskCache.saveTaskCache(...args); }
  deleteTaskCache(...args: Parameters<TaskCacheRepository["deleteTaskCache"]>) { return this.taskCache.deleteTaskCache(...args); }

  listTriggerStates(...args: Parameters<TriggerRepository["listTriggerStates"]>) { return this.triggers.listTriggerStates(...args); }
  initTriggerState(...args: Parameters<TriggerRepository["initTriggerState"]>) { return this.triggers.initTriggerState(...args); }
  recordTriggerFire(...args: Parameters<TriggerRepository["recordTriggerFire"]>) { return this.triggers.recordTriggerFire(...args); }
  setTriggerDisabled(...args: Parameters<TriggerRepository["setTriggerDisabled"]>) { return this.triggers.setTriggerDisabled(...args); }

  claim(...args: Parameters<ClaimRepository["claim"]>) { return this.claims.claim(...args); }
  claimStart(...args: Parameters<ClaimRepository["claimStart"]>) { return this.claims.claimStart(...args); }
  claimCreated(...args: Parameters<ClaimRepository["claimCreated"]>) { return this.claims.claimCreated(...args); }
  extendClaim(...args: Parameters<ClaimRepository["extendClaim"]>) { return this.claims.extendClaim(...args); }
  deleteExpiredClaims(...args: Parameters<ClaimRepository["deleteExpiredClaims"]>) { return this.claims.deleteExpiredClaims(...args); }

  acquireConcurrencySlot(...args: Parameters<ConcurrencyRepository["acquireConcurrencySlot"]>) { return this.concurrency.acquireConcurrencySlot(...args); }
  releaseConcurrencySlot(...args: Parameters<ConcurrencyRepository["releaseConcurrencySlot"]>) { return this.concurrency.releaseConcurrencySlot(...args); }
  listConcurrencySlots(...args: Parameters<ConcurrencyRepository["listConcurrencySlots"]>) { return this.concurrency.listConcurrencySlots(...args); }
  repairConcurrencySlots() { return this.concurrency.repairConcurrencySlots(); }

  getSecret(...args: Parameters<SecretRepository["getSecret"]>) { return this.secrets.getSecret(...args); }
  listSecrets(...args: Parameters<SecretRepository["listSecrets"]>) { return this.secrets.listSecrets(...args); }
  saveSecret(...args: Parameters<SecretRepository["saveSecret"]>) { return this.secrets.saveSecret(...args); }
  deleteSecret(...args: Parameters<SecretRepository["deleteSecret"]>) { return this.secrets.deleteSecret(...args); }
  replaceSecrets(...args: Parameters<SecretRepository["replaceSecrets"]>) { return this.secrets.replaceSecrets(...args); }

  getKv(...args: Parameters<KvRepository["getKv"]>) { return this.kv.getKv(...args); }
  listKv(...args: Parameters<KvRepository["listKv"]>) { return this.kv.listKv(...args); }
  saveKv(...args: Parameters<KvRepository["saveKv"]>) { return this.kv.saveKv(...args); }
  deleteKv(...args: Parameters<KvRepository["deleteKv"]>) { return this.kv.deleteKv(...args); }

  getConnection(...args: Parameters<ConnectionRepository["getConnection"]>) { return this.connections.getConnection(...args); }
  listConnections(...args: Parameters<ConnectionRepository["listConnections"]>) { return this.connections.listConnections(...args); }
  saveConnection(...args: Parameters<ConnectionRepository["saveConnection"]>) { return this.connections.saveConnection(...args); }
  deleteConnection(...args: Parameters<ConnectionRepository["deleteConnection"]>) { return this.connections.deleteConnection(...args); }

  listNamespaces() { return this.namespaces.listNamespaces(); }

  listExecutionChanges(...args: Parameters<NonNullable<ChangeFeedRepository["listExecutionChanges"]>>) { return this.feed.listExecutionChanges(...args); }
  listLogsAfter(...args: Parameters<NonNullable<ChangeFeedRepository["listLogsAfter"]>>) { return this.feed.listLogsAfter(...args); }
  listMetricsAfter(...args: Parameters<NonNullable<ChangeFeedRepository["listMetricsAfter"]>>) { return this.feed.listMetricsAfter(...args); }
}
