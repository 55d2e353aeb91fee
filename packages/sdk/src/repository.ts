import type { ExecutionState } from "./states.js";
import type { HistoryExecution, HistoryLogEntry, HistoryMetricEntry } from "./history.js";
import type {
  ConcurrencySlotRecord, ConnectionRecord, EndedExecutionsQuery, ExecutionRecord, FlowRecord, LogEntry, LogLevel, LogsQuery, KvRecord, MetricEntry, Page, PageRequest, SecretRecord, TaskCacheRecord, TaskRunRecord,
  TriggerRef, TriggerStateRecord,
} from "./model.js";

/**
 * The system of record: flows and their revisions, executions, task runs, logs.
 *
 * Invariants every implementation keeps (the repository contract suite checks them):
 * - It holds metadata and pointers only. Inputs, outputs and files are storage URIs.
 * - `saveFlow` creates revision 1, then a new revision only when the source changed;
 *   saving identical source returns the current revision unchanged. Concurrent saves of one
 *   flow are serialized: each gets its own revision (or the unchanged one), none fails for
 *   having raced another; revisions stay 1, 2, 3… without gaps or duplicates.
 * - Every write of one record (KV pair, secret, connection, task cache entry, trigger state) is atomic:
 *   of concurrent writers, the record ends as one of them wrote it, and none fails for
 *   having raced another (a unique-key race is the repository's to absorb, not its caller's).
 * - `saveExecution` writes the execution and the given task runs in one transaction;
 *   task runs are upserted by id, never deleted by it. With `expectedVersion`, it saves
 *   only if the stored execution still has that version (else ConflictError, nothing
 *   written) and stores version + 1: two executors never both advance one execution.
 * - Reads return copies: mutating a returned record changes nothing stored.
 * - `getExecution` reads the execution and its task runs from one snapshot: never an
 *   execution as of one save beside task runs as of another.
 * - Pages are 1-based; `total` counts every match.
 * - A trigger's `lastFire` only moves forward, and `recordTriggerFire` never touches
 *   `disabled` (an operator's switch is not overwritten by a scheduler).
 * - `claim` is atomic across processes: of any number of callers claiming one key, exactly
 *   one wins, and every caller learns the winner's execution id. An expired claim is free.
 * - Concurrency slots: of a flow's executions, at most `limit` hold a slot at once, however
 *   many processes acquire together; waiting executions get slots oldest `queuedAt` first (a
 *   later one never takes a slot while an earlier one waits); acquiring again answers what
 *   the execution already has.
 * - Purges only ever remove ended executions (terminal states), oldest first, and remove an
 *   execution's task runs with it in one transaction. Storage is the caller's to purge.
 *
 * Left out on purpose: any query over user data values (there are none to query).
 */
export interface ExecutionSearch {
  namespace?: string;
  flowId?: string;
  state?: ExecutionState[];
  startedAfter?: string;
  endedBefore?: string;
  /** every one of these labels, with exactly this value */
  labels?: Record<string, string>;
}

/** an execution not yet terminal, as listed for reconciliation */
export interface UnfinishedExecution {
  id: string;
  state: ExecutionState;
  /** its last save (ISO-8601 UTC) */
  updated: string;
}

export interface Repository {
  init?(): Promise<void>;
  close?(): Promise<void>;

  /**
   * `only: "create"` saves only when the flow has no live revision (else ConflictError, nothing
   * written); `only: "update"` only when it has one (else NotFoundError). Checked in the same
   * transaction as the save, so a concurrent create or delete cannot slip between.
   */
  saveFlow(flow: { namespace: string; id: string; source: string }, options?: { only?: "create" | "update" }): Promise<{ flow: FlowRecord; created: boolean; changed: boolean }>;
  getFlow(namespace: string, id: string, revision?: number): Promise<FlowRecord | undefined>;
  listFlowRevisions(namespace: string, id: string): Promise<FlowRecord[]>;
  searchFlows(query: { namespace?: string; q?: string } & PageRequest): Promise<Page<FlowRecord>>;
  /** marks every revision deleted; returns false when there was no live flow */
  deleteFlow(namespace: string, id: string): Promise<boolean>;
  /**
   * What changed since `since` (ISO-8601 UTC, compared with `updated`; "" for everything): the
   * latest revision of every flow saved or deleted after it, deleted ones with `deleted: true`.
   * A server's trigger index follows other replicas' saves with it, without reading every flow.
   */
  listFlowChanges(since: string): Promise<FlowRecord[]>;

  saveExecution(execution: ExecutionRecord, taskRuns?: TaskRunRecord[], options?: { expectedVersion?: number }): Promise<void>;
  getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined>;
  /**
   * newest first; `startedAfter` keeps executions created at or after it, `endedBefore` those
   * ended at or before it (Kestra's startDate and endDate), both ISO-8601 UTC
   */
  searchExecutions(query: ExecutionSearch & PageRequest): Promise<Page<ExecutionRecord>>;
  /**
   * executions not yet terminal, by id, with their state and last update: what reconciliation
   * after a restart or a lost queue starts from, and how the reconciler tells which changed
   */
  listUnfinishedExecutions(): Promise<UnfinishedExecution[]>;
  deleteTaskRuns(executionId: string, taskRunIds: string[]): Promise<void>;
  /** ended executions matching, oldest end first, at most `limit` */
  findEndedExecutions(query: EndedExecutionsQuery, limit: number): Promise<ExecutionRecord[]>;
  /**
   * Removes what is asked of these executions: their records and task runs, their logs,
   * their metrics; returns how many of each went. Executions not ended are left alone.
   */
  purgeExecutions(ids: string[], what: { executions: boolean; logs: boolean; metrics: boolean }): Promise<{ executions: number; logs: number; metrics: number }>;
  /** removes the logs matching; returns how many */
  purgeLogs(query: LogsQuery): Promise<number>;

  /** the task cache entry of a key, expired ones too: callers decide */
  getTaskCache(key: string): Promise<TaskCacheRecord | undefined>;
  /** stores the entry, replacing the key's previous one */
  saveTaskCache(record: TaskCacheRecord): Promise<void>;
  deleteTaskCache(key: string): Promise<boolean>;

  /** trigger states of one namespace (and its children) or flow, or all; `updatedAfter` keeps those written after it (ISO-8601 UTC) */
  listTriggerStates(query?: { namespace?: string; flowId?: string; updatedAfter?: string }): Promise<TriggerStateRecord[]>;
  /** stores the state when the trigger has none yet; returns the stored state either way */
  initTriggerState(state: TriggerStateRecord): Promise<TriggerStateRecord>;
  /** sets lastFire (and nextFire) if `fire` is later than the stored lastFire */
  recordTriggerFire(ref: TriggerRef, fire: string, next?: string): Promise<void>;
  setTriggerDisabled(ref: TriggerRef, disabled: boolean): Promise<TriggerStateRecord>;

  /**
   * Claims `key` (≤ 255 characters) for `executionId` until `expires` (ISO-8601): the
   * once-only guard of schedule fires, flow triggers and webhook idempotency keys.
   */
  claim(key: string, executionId: string, expires: string): Promise<{ won: boolean; executionId: string }>;
  /** forgets claims that expired before `now`; returns how many */
  deleteExpiredClaims(now: string): Promise<number>;

  /**
   * Takes a slot under the flow's concurrency `limit` for the execution, atomically: "running"
   * when it holds one (already, or now), "waiting" when it stands in line (`wait`: Kestra's
   * QUEUE), "refused" when no slot is free and it may not wait (CANCEL, FAIL: no trace kept).
   */
  acquireConcurrencySlot(slot: Omit<ConcurrencySlotRecord, "running">, wait: boolean): Promise<"running" | "waiting" | "refused">;
  /**
   * Frees the execution's slot or place in line (nothing when it had none); answers the
   * waiting executions of its flow that a slot is now free for, oldest first.
   */
  releaseConcurrencySlot(executionId: string): Promise<string[]>;
  /** the flow's slots and line, holders first, then the line in order */
  listConcurrencySlots(namespace: string, flowId: string): Promise<ConcurrencySlotRecord[]>;
  /**
   * The net under lost messages and crashes: frees the slots and places of executions that
   * ended or are gone; answers every waiting execution a slot is free for, oldest first.
   */
  repairConcurrencySlots(): Promise<{ released: number; admissible: string[] }>;

  appendLogs(entries: LogEntry[]): Promise<void>;
  findLogs(executionId: string, filter?: { taskId?: string; taskRunId?: string; minLevel?: LogLevel }): Promise<LogEntry[]>;

  /** encrypted secrets (the database secret backend): ciphertext only, never values */
  getSecret(namespace: string, name: string): Promise<SecretRecord | undefined>;
  /** the secrets of exactly this namespace, or every secret */
  listSecrets(namespace?: string): Promise<SecretRecord[]>;
  saveSecret(record: SecretRecord): Promise<void>;
  deleteSecret(namespace: string, name: string): Promise<boolean>;
  /** replaces every stored secret with these, in one transaction (key rotation: all or nothing) */
  replaceSecrets(records: SecretRecord[]): Promise<void>;

  /** KV metadata (values live in storage); expired records are returned too: callers decide */
  getKv(namespace: string, key: string): Promise<KvRecord | undefined>;
  /** the records of one namespace whose key starts with `prefix` */
  listKv(namespace: string, prefix?: string): Promise<KvRecord[]>;
  /**
   * Stores the record, replacing the key's (keeping the first `created`). With `ifValueUri` it is
   * a compare-and-set: stored only if the key's record still points at that URI (`null`: only if
   * the key has no record); false, nothing written, when another write came first.
   */
  saveKv(record: KvRecord, options?: { ifValueUri?: string | null }): Promise<boolean>;
  /** removes the key's record (with `ifValueUri`, only if it still points there); false when nothing was removed */
  deleteKv(namespace: string, key: string, options?: { ifValueUri?: string }): Promise<boolean>;
  /** namespaces that have a live flow, a KV pair or a connection, sorted */
  listNamespaces(): Promise<string[]>;

  /** a connection of exactly this namespace (parents are the caller's to walk) */
  getConnection(namespace: string, id: string): Promise<ConnectionRecord | undefined>;
  /** the connections of exactly this namespace, by id */
  listConnections(namespace: string): Promise<ConnectionRecord[]>;
  /** stores the connection, replacing the id's (keeping the first `created`) */
  saveConnection(record: ConnectionRecord): Promise<void>;
  /** false when there was no such connection */
  deleteConnection(namespace: string, id: string): Promise<boolean>;

  /**
   * The history exporter's feed: executions saved after `after`, ordered by (`updated`, `id`),
   * each with its task runs from the same snapshot; log lines and metrics after `seq`, by
   * seq. A repository without them cannot feed an exported history store (the server says so).
   */
  listExecutionChanges?(after: { updated: string; id: string }, limit: number): Promise<HistoryExecution[]>;
  listLogsAfter?(seq: number, limit: number): Promise<HistoryLogEntry[]>;
  listMetricsAfter?(seq: number, limit: number): Promise<HistoryMetricEntry[]>;

  appendMetrics(entries: MetricEntry[]): Promise<void>;
  /** in the order they were appended */
  findMetrics(executionId: string, filter?: { taskId?: string; taskRunId?: string }): Promise<MetricEntry[]>;
}
