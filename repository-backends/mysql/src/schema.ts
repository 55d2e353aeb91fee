import { bigint, boolean, double, index, int, json, longtext, mysqlTable, primaryKey, text, varchar } from "drizzle-orm/mysql-core";

/**
 * Tables hold metadata and pointers only (DESIGN.md, principle 1). Column keys match every
 * dialect's schema.ts; MySQL needs lengths on keyed and indexed text, hence varchar.
 */
const id = (name: string) => varchar(name, { length: 64 });
const name = (column: string) => varchar(column, { length: 255 });
const uri = (column: string) => varchar(column, { length: 1024 });
const date = (column: string) => varchar(column, { length: 40 });

export const flows = mysqlTable(
  "flows",
  {
    namespace: name("namespace").notNull(),
    id: name("id").notNull(),
    revision: int("revision").notNull(),
    source: longtext("source").notNull(),
    deleted: boolean("deleted").notNull().default(false),
    updated: date("updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.id, t.revision] }), index("flows_updated").on(t.updated)],
);

export const executions = mysqlTable(
  "executions",
  {
    id: id("id").primaryKey(),
    namespace: name("namespace").notNull(),
    flowId: name("flow_id").notNull(),
    flowRevision: int("flow_revision").notNull(),
    state: varchar("state", { length: 16 }).notNull(),
    stateRecord: json("state_record").notNull(),
    inputsUri: uri("inputs_uri"),
    outputsUri: uri("outputs_uri"),
    labels: json("labels").notNull(),
    trigger: json("trigger"),
    parent: json("parent"),
    storagePrefix: uri("storage_prefix"),
    created: date("created").notNull(),
    updated: date("updated").notNull(),
    version: int("version").notNull().default(0),
    /** what an execution carries beside its state: pointers and ids (ExecutionRecord.metadata's fields) */
    metadata: json("metadata"),
  },
  // searches list newest first by (created, id): each filter's index ends with them, so a page
  // is read in index order and stops after its rows, whatever the history's size (issue #18.4)
  (t) => [
    index("executions_flow_created").on(t.namespace, t.flowId, t.created, t.id),
    index("executions_state_created").on(t.state, t.created, t.id),
    index("executions_created").on(t.created, t.id),
    // a terminal execution's last save is its end: endedBefore searches and the purge walk it
    index("executions_updated").on(t.updated, t.id)
  ],
);

export const taskRuns = mysqlTable(
  "task_runs",
  {
    id: id("id").primaryKey(),
    executionId: id("execution_id").notNull(),
    taskId: name("task_id").notNull(),
    parentTaskRunId: id("parent_task_run_id"),
    value: text("value"),
    state: varchar("state", { length: 16 }).notNull(),
    stateRecord: json("state_record").notNull(),
    attempts: json("attempts").notNull(),
    outputsUri: uri("outputs_uri"),
    planUri: uri("plan_uri"),
    subflowExecutionId: id("subflow_execution_id"),
  },
  (t) => [index("task_runs_execution").on(t.executionId)],
);

export const logs = mysqlTable(
  "logs",
  {
    seq: bigint("seq", { mode: "number", unsigned: true }).autoincrement().primaryKey(),
    executionId: id("execution_id").notNull(),
    namespace: name("namespace").notNull(),
    flowId: name("flow_id").notNull(),
    taskId: name("task_id"),
    taskRunId: id("task_run_id"),
    attemptNumber: int("attempt_number"),
    level: varchar("level", { length: 8 }).notNull(),
    levelRank: int("level_rank").notNull(),
    message: longtext("message").notNull(),
    timestamp: date("timestamp").notNull(),
  },
  // an execution's logs in order, without sorting them
  (t) => [index("logs_execution_seq").on(t.executionId, t.seq)],
);

export const triggers = mysqlTable(
  "triggers",
  {
    namespace: name("namespace").notNull(),
    flowId: name("flow_id").notNull(),
    triggerId: name("trigger_id").notNull(),
    disabled: boolean("disabled").notNull().default(false),
    lastFire: date("last_fire"),
    nextFire: date("next_fire"),
    updated: date("updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.flowId, t.triggerId] }), index("triggers_updated").on(t.updated)],
);

/** once-only keys: schedule fires, flow-trigger starts, webhook idempotency keys */
export const claims = mysqlTable(
  "claims",
  {
    key: name("key").primaryKey(),
    executionId: id("execution_id").notNull(),
    expires: date("expires").notNull(),
  },
  (t) => [index("claims_expires").on(t.expires)],
);

/** numbers tasks reported (Kestra's metrics): metadata, like logs */
export const metrics = mysqlTable(
  "metrics",
  {
    seq: bigint("seq", { mode: "number", unsigned: true }).autoincrement().primaryKey(),
    executionId: id("execution_id").notNull(),
    namespace: name("namespace").notNull(),
    flowId: name("flow_id").notNull(),
    taskId: name("task_id").notNull(),
    taskRunId: id("task_run_id").notNull(),
    name: name("name").notNull(),
    type: varchar("type", { length: 16 }).notNull(),
    value: double("value").notNull(),
    tags: json("tags").notNull(),
    timestamp: date("timestamp").notNull(),
  },
  (t) => [index("metrics_execution").on(t.executionId)],
);

/** secrets of the database secret backend: AES-256-GCM ciphertext, never values */
export const secrets = mysqlTable(
  "secrets",
  {
    namespace: name("namespace").notNull(),
    name: name("name").notNull(),
    ciphertext: longtext("ciphertext").notNull(),
    updated: date("updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.name] })],
);

/** KV pairs' metadata; values live in internal storage */
export const kv = mysqlTable(
  "kv",
  {
    namespace: name("namespace").notNull(),
    key: name("key").notNull(),
    type: varchar("type", { length: 16 }).notNull(),
    valueUri: uri("value_uri").notNull(),
    expires: date("expires"),
    created: date("created").notNull(),
    updated: date("updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.key] })],
);

/** task cache: outputs a task run produced for a cache key (a hash), until `expires` */
export const taskCache = mysqlTable(
  "task_cache",
  {
    key: id("key").primaryKey(),
    namespace: name("namespace").notNull(),
    flowId: name("flow_id").notNull(),
    taskId: name("task_id").notNull(),
    outputsUri: uri("outputs_uri").notNull(),
    expires: date("expires").notNull(),
    created: date("created").notNull(),
  },
  (t) => [index("task_cache_flow").on(t.namespace, t.flowId)],
);

/** flow concurrency: one row per limited flow, locked (FOR UPDATE) while its slots change */
export const concurrencyLocks = mysqlTable(
  "concurrency_locks",
  {
    namespace: name("namespace").notNull(),
    flowId: name("flow_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.flowId] })],
);

/** flow concurrency: the executions holding a slot (`running`) and those waiting in line */
export const concurrencySlots = mysqlTable(
  "concurrency_slots",
  {
    executionId: id("execution_id").primaryKey(),
    namespace: name("namespace").notNull(),
    flowId: name("flow_id").notNull(),
    running: boolean("running").notNull(),
    limit: int("slot_limit").notNull(),
    queuedAt: date("queued_at").notNull(),
  },
  (t) => [index("concurrency_slots_flow").on(t.namespace, t.flowId, t.running, t.queuedAt)],
);

/** connections: type and values, secret fields only as `{{ secret('…') }}` references (JSON text) */
export const connections = mysqlTable(
  "connections",
  {
    namespace: name("namespace").notNull(),
    id: name("id").notNull(),
    type: name("type").notNull(),
    values: longtext("values").notNull(),
    description: text("description"),
    created: date("created").notNull(),
    updated: date("updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.id] })],
);
