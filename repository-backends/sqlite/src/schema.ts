import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Tables hold metadata and pointers only (DESIGN.md, principle 1). */
export const flows = sqliteTable(
  "flows",
  {
    namespace: text("namespace").notNull(),
    id: text("id").notNull(),
    revision: integer("revision").notNull(),
    source: text("source").notNull(),
    deleted: integer("deleted", { mode: "boolean" }).notNull().default(false),
    updated: text("updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.id, t.revision] }), index("flows_updated").on(t.updated)],
);

export const executions = sqliteTable(
  "executions",
  {
    id: text("id").primaryKey(),
    namespace: text("namespace").notNull(),
    flowId: text("flow_id").notNull(),
    flowRevision: integer("flow_revision").notNull(),
    state: text("state").notNull(),
    stateRecord: text("state_record", { mode: "json" }).notNull(),
    inputsUri: text("inputs_uri"),
    outputsUri: text("outputs_uri"),
    labels: text("labels", { mode: "json" }).notNull(),
    trigger: text("trigger", { mode: "json" }),
    parent: text("parent", { mode: "json" }),
    storagePrefix: text("storage_prefix"),
    created: text("created").notNull(),
    updated: text("updated").notNull(),
    version: integer("version").notNull().default(0),
    /** what an execution carries beside its state: pointers and ids (ExecutionRecord.metadata's fields) */
    metadata: text("metadata", { mode: "json" }),
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

export const taskRuns = sqliteTable(
  "task_runs",
  {
    id: text("id").primaryKey(),
    executionId: text("execution_id").notNull(),
    taskId: text("task_id").notNull(),
    parentTaskRunId: text("parent_task_run_id"),
    value: text("value"),
    state: text("state").notNull(),
    stateRecord: text("state_record", { mode: "json" }).notNull(),
    attempts: text("attempts", { mode: "json" }).notNull(),
    outputsUri: text("outputs_uri"),
    planUri: text("plan_uri"),
    subflowExecutionId: text("subflow_execution_id"),
  },
  (t) => [index("task_runs_execution").on(t.executionId)],
);

export const logs = sqliteTable(
  "logs",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    executionId: text("execution_id").notNull(),
    namespace: text("namespace").notNull(),
    flowId: text("flow_id").notNull(),
    taskId: text("task_id"),
    taskRunId: text("task_run_id"),
    attemptNumber: integer("attempt_number"),
    level: text("level").notNull(),
    levelRank: integer("level_rank").notNull(),
    message: text("message").notNull(),
    timestamp: text("timestamp").notNull(),
  },
  // an execution's logs in order, without sorting them
  (t) => [index("logs_execution_seq").on(t.executionId, t.seq)],
);

export const triggers = sqliteTable(
  "triggers",
  {
    namespace: text("namespace").notNull(),
    flowId: text("flow_id").notNull(),
    triggerId: text("trigger_id").notNull(),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    lastFire: text("last_fire"),
    nextFire: text("next_fire"),
    updated: text("updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.flowId, t.triggerId] }), index("triggers_updated").on(t.updated)],
);

/** once-only keys: schedule fires, flow-trigger starts, webhook idempotency keys */
export const claims = sqliteTable(
  "claims",
  {
    key: text("key").primaryKey(),
    executionId: text("execution_id").notNull(),
    expires: text("expires").notNull(),
  },
  (t) => [index("claims_expires").on(t.expires)],
);

/** numbers tasks reported (Kestra's metrics): metadata, like logs */
export const metrics = sqliteTable(
  "metrics",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    executionId: text("execution_id").notNull(),
    namespace: text("namespace").notNull(),
    flowId: text("flow_id").notNull(),
    taskId: text("task_id").notNull(),
    taskRunId: text("task_run_id").notNull(),
    name: text("name").notNull(),
    type: text("type").notNull(),
    value: real("value").notNull(),
    tags: text("tags", { mode: "json" }).notNull(),
    timestamp: text("timestamp").notNull(),
  },
  (t) => [index("metrics_execution").on(t.executionId)],
);

/** secrets of the database secret backend: AES-256-GCM ciphertext, never values */
export const secrets = sqliteTable(
  "secrets",
  {
    namespace: text("namespace").notNull(),
    name: text("name").notNull(),
    ciphertext: text("ciphertext").notNull(),
    updated: text("updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.name] })],
);

/** KV pairs' metadata; values live in internal storage */
export const kv = sqliteTable(
  "kv",
  {
    namespace: text("namespace").notNull(),
    key: text("key").notNull(),
    type: text("type").notNull(),
    valueUri: text("value_uri").notNull(),
    expires: text("expires"),
    created: text("created").notNull(),
    updated: text("updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.key] })],
);

/** task cache: outputs a task run produced for a cache key (a hash), until `expires` */
export const taskCache = sqliteTable(
  "task_cache",
  {
    key: text("key").primaryKey(),
    namespace: text("namespace").notNull(),
    flowId: text("flow_id").notNull(),
    taskId: text("task_id").notNull(),
    outputsUri: text("outputs_uri").notNull(),
    expires: text("expires").notNull(),
    created: text("created").notNull(),
  },
  (t) => [index("task_cache_flow").on(t.namespace, t.flowId)],
);

/** flow concurrency: one row per limited flow (the other dialects lock it; SQLite has one writer) */
export const concurrencyLocks = sqliteTable(
  "concurrency_locks",
  {
    namespace: text("namespace").notNull(),
    flowId: text("flow_id").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.flowId] })],
);

/** flow concurrency: the executions holding a slot (`running`) and those waiting in line */
export const concurrencySlots = sqliteTable(
  "concurrency_slots",
  {
    executionId: text("execution_id").primaryKey(),
    namespace: text("namespace").notNull(),
    flowId: text("flow_id").notNull(),
    running: integer("running", { mode: "boolean" }).notNull(),
    limit: integer("slot_limit").notNull(),
    queuedAt: text("queued_at").notNull(),
  },
  (t) => [index("concurrency_slots_flow").on(t.namespace, t.flowId, t.running, t.queuedAt)],
);

/** connections: type and values, secret fields only as `{{ secret('…') }}` references (JSON text) */
export const connections = sqliteTable(
  "connections",
  {
    namespace: text("namespace").notNull(),
    id: text("id").notNull(),
    type: text("type").notNull(),
    values: text("values").notNull(),
    description: text("description"),
    created: text("created").notNull(),
    updated: text("updated").notNull(),
  },
  (t) => [primaryKey({ columns: [t.namespace, t.id] })],
);
