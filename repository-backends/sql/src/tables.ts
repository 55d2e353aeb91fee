import type { ConcurrencySlotRecord, SecretRecord, TaskCacheRecord } from "@ferry/sdk";
import type { ConnectionRow } from "./connection-rows.js";
import type { Column } from "drizzle-orm";
import type { ColumnSpec, ColumnSpecs, DialectKit, KeySpec } from "./dialect-kit.js";
import type { SqlTable } from "./sql-table.js";
import type { ClaimRow, ExecutionRow, FlowRow, KvRow, LogRow, MetricRow, Sequenced, TaskRunRow, TriggerRow } from "./rows.js";

/**
 * Every table, defined once over a dialect's kit; each dialect's schema.ts exports the result,
 * which drizzle-kit reads to generate that dialect's migrations. Tables hold metadata and
 * pointers only (DESIGN.md, principle 1). A table's columns are exactly its row type's keys.
 */
export function defineTables(k: DialectKit) {
  // the columns are exactly the row's keys (ColumnSpecs), so the dialect's table has one column per key
  const table = <Row>(name: string, columns: ColumnSpecs<Row>, keys: (t: { [K in keyof Row]-?: Column }) => KeySpec[]) =>
    k.table(name, columns as Record<string, ColumnSpec<never>>, keys as (t: Record<string, Column>) => KeySpec[]) as SqlTable<Row>;
  return {
    flows: table<FlowRow>(
      "flows",
      {
        namespace: k.name("namespace").notNull(),
        id: k.name("id").notNull(),
        revision: k.integer("revision").notNull(),
        source: k.longText("source").notNull(),
        deleted: k.boolean("deleted").notNull().default(false),
        updated: k.date("updated").notNull(),
      },
      (t) => [k.primaryKey(t.namespace, t.id, t.revision), k.index("flows_updated", t.updated)],
    ),

    executions: table<ExecutionRow>(
      "executions",
      {
        id: k.id("id").primaryKey(),
        namespace: k.name("namespace").notNull(),
        flowId: k.name("flow_id").notNull(),
        flowRevision: k.integer("flow_revision").notNull(),
        state: k.code("state", 16).notNull(),
        stateRecord: k.json("state_record").notNull(),
        inputsUri: k.uri("inputs_uri"),
        outputsUri: k.uri("outputs_uri"),
        labels: k.json("labels").notNull(),
        trigger: k.json("trigger"),
        parent: k.json("parent"),
        kind: k.code("kind", 16),
        /** the execution that started this one: a Subflow's, or a Loop iteration's (kind LOOP) */
        parentId: k.id("parent_id"),
        storagePrefix: k.uri("storage_prefix"),
        created: k.date("created").notNull(),
        updated: k.date("updated").notNull(),
        version: k.integer("version").notNull().default(0),
        /** what an execution carries beside its state: pointers and ids (ExecutionRecord.metadata's fields) */
        metadata: k.json("metadata"),
      },
      // searches list newest first by (created, id): each filter's index has them next, so a
      // page is read in index order and stops after its rows, whatever the history's size.
      // Every search asks for a kind (Loop iterations apart: `kind IS NULL` unless asked for),
      // so each index ends with it: the kind is checked in the index, and a search's bounded
      // count and the skipped rows of a page by offset read the index alone, no execution row.
      // Last, not before `created`: a query that names no kind still walks these in order.
      (t) => [
        k.index("executions_flow_created", t.namespace, t.flowId, t.created, t.id, t.kind),
        k.index("executions_state_created", t.state, t.created, t.id, t.kind),
        // the namespace too: a namespace and its children (an OR with a LIKE, which no index
        // range answers) is checked on the index entry while the walk goes newest first
        k.index("executions_created", t.created, t.id, t.kind, t.namespace),
        // a parent's sub-executions (Kestra's findLoopSubExecutions: PARENT_ID and KIND)
        k.index("executions_parent_created", t.parentId, t.created, t.id, t.kind),
        // a terminal execution's last save is its end: endedBefore searches, the purge and the
        // history exporter's change feed walk it
        k.index("executions_updated", t.updated, t.id),
        ...(k.containmentIndex ? [k.containmentIndex("executions_labels", t.labels)] : []),
      ],
    ),

    taskRuns: table<TaskRunRow>(
      "task_runs",
      {
        id: k.id("id").primaryKey(),
        executionId: k.id("execution_id").notNull(),
        taskId: k.name("task_id").notNull(),
        parentTaskRunId: k.id("parent_task_run_id"),
        value: k.text("value"),
        state: k.code("state", 16).notNull(),
        stateRecord: k.json("state_record").notNull(),
        attempts: k.json("attempts").notNull(),
        outputsUri: k.uri("outputs_uri"),
        planUri: k.uri("plan_uri"),
        subflowExecutionId: k.id("subflow_execution_id"),
      },
      (t) => [k.index("task_runs_execution", t.executionId)],
    ),

    logs: table<Sequenced<LogRow>>(
      "logs",
      {
        seq: k.serial("seq"),
        executionId: k.id("execution_id").notNull(),
        namespace: k.name("namespace").notNull(),
        flowId: k.name("flow_id").notNull(),
        taskId: k.name("task_id"),
        taskRunId: k.id("task_run_id"),
        attemptNumber: k.integer("attempt_number"),
        level: k.code("level", 8).notNull(),
        levelRank: k.integer("level_rank").notNull(),
        message: k.longText("message").notNull(),
        timestamp: k.date("timestamp").notNull(),
      },
      // an execution's logs in order, without sorting them
      (t) => [k.index("logs_execution_seq", t.executionId, t.seq)],
    ),

    triggers: table<TriggerRow>(
      "triggers",
      {
        namespace: k.name("namespace").notNull(),
        flowId: k.name("flow_id").notNull(),
        triggerId: k.name("trigger_id").notNull(),
        disabled: k.boolean("disabled").notNull().default(false),
        lastFire: k.date("last_fire"),
        nextFire: k.date("next_fire"),
        updated: k.date("updated").notNull(),
      },
      (t) => [k.primaryKey(t.namespace, t.flowId, t.triggerId), k.index("triggers_updated", t.updated)],
    ),

    /** once-only keys: schedule fires, flow-trigger starts, webhook idempotency keys */
    claims: table<ClaimRow>(
      "claims",
      {
        key: k.name("key").primaryKey(),
        executionId: k.id("execution_id").notNull(),
        expires: k.date("expires").notNull(),
        // null: created (a row made before this column meant that too, and keeps meaning it)
        pendingUntil: k.date("pending_until"),
      },
      (t) => [k.index("claims_expires", t.expires)],
    ),

    /** numbers tasks reported (Kestra's metrics): metadata, like logs */
    metrics: table<Sequenced<MetricRow>>(
      "metrics",
      {
        seq: k.serial("seq"),
        executionId: k.id("execution_id").notNull(),
        namespace: k.name("namespace").notNull(),
        flowId: k.name("flow_id").notNull(),
        taskId: k.name("task_id").notNull(),
        taskRunId: k.id("task_run_id").notNull(),
        name: k.name("name").notNull(),
        type: k.code("type", 16).notNull(),
        value: k.double("value").notNull(),
        tags: k.json("tags").notNull(),
        timestamp: k.date("timestamp").notNull(),
      },
      (t) => [k.index("metrics_execution", t.executionId)],
    ),

    /** secrets of the database secret backend: AES-256-GCM ciphertext, never values */
    secrets: table<SecretRecord>(
      "secrets",
      {
        namespace: k.name("namespace").notNull(),
        name: k.name("name").notNull(),
        ciphertext: k.longText("ciphertext").notNull(),
        updated: k.date("updated").notNull(),
      },
      (t) => [k.primaryKey(t.namespace, t.name)],
    ),

    /** KV pairs' metadata; values live in internal storage */
    kv: table<KvRow>(
      "kv",
      {
        namespace: k.name("namespace").notNull(),
        key: k.name("key").notNull(),
        type: k.code("type", 16).notNull(),
        valueUri: k.uri("value_uri").notNull(),
        expires: k.date("expires"),
        created: k.date("created").notNull(),
        updated: k.date("updated").notNull(),
      },
      (t) => [k.primaryKey(t.namespace, t.key)],
    ),

    /** task cache: outputs a task run produced for a cache key (a hash), until `expires` */
    taskCache: table<TaskCacheRecord>(
      "task_cache",
      {
        key: k.id("key").primaryKey(),
        namespace: k.name("namespace").notNull(),
        flowId: k.name("flow_id").notNull(),
        taskId: k.name("task_id").notNull(),
        outputsUri: k.uri("outputs_uri").notNull(),
        expires: k.date("expires").notNull(),
        created: k.date("created").notNull(),
      },
      (t) => [k.index("task_cache_flow", t.namespace, t.flowId)],
    ),

    /** flow concurrency: one row per limited flow, locked (FOR UPDATE) while its slots change */
    concurrencyLocks: table<{ namespace: string; flowId: string }>(
      "concurrency_locks",
      {
        namespace: k.name("namespace").notNull(),
        flowId: k.name("flow_id").notNull(),
      },
      (t) => [k.primaryKey(t.namespace, t.flowId)],
    ),

    /** flow concurrency: the executions holding a slot (`running`) and those waiting in line */
    concurrencySlots: table<ConcurrencySlotRecord>(
      "concurrency_slots",
      {
        executionId: k.id("execution_id").primaryKey(),
        namespace: k.name("namespace").notNull(),
        flowId: k.name("flow_id").notNull(),
        running: k.boolean("running").notNull(),
        limit: k.integer("slot_limit").notNull(),
        queuedAt: k.date("queued_at").notNull(),
      },
      (t) => [k.index("concurrency_slots_flow", t.namespace, t.flowId, t.running, t.queuedAt)],
    ),

    /** connections: type and values, secret fields only as `{{ secret('…') }}` references (JSON text) */
    connections: table<ConnectionRow>(
      "connections",
      {
        namespace: k.name("namespace").notNull(),
        id: k.name("id").notNull(),
        type: k.name("type").notNull(),
        values: k.longText("values").notNull(),
        description: k.text("description"),
        created: k.date("created").notNull(),
        updated: k.date("updated").notNull(),
      },
      (t) => [k.primaryKey(t.namespace, t.id)],
    ),
  };
}

/** the tables of any dialect, as the shared queries see them */
export type SqlTables = ReturnType<typeof defineTables>;
