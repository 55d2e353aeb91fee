import { isDuration, parseDuration, schema } from "@ferry/sdk";
import { z } from "zod";
import { DEPRECATED_SPELLING_OF } from "./deprecated-spellings.js";
import { inputSchema, outputSchema } from "./input.schema.js";

const ID = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
const TASK_ID = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
const NAMESPACE = /^[a-z0-9][a-z0-9._-]*$/i;

const durationText = z.string().regex(/^-?P/i, "expected an ISO-8601 duration such as PT30S");
const templated = (schema: z.ZodType) => z.union([schema, z.string().regex(/\{\{/)]);

export const retrySchema = z.strictObject({
  type: z.enum(["constant", "exponential", "random"]),
  interval: durationText.optional(),
  maxInterval: durationText.optional(),
  minInterval: durationText.optional(),
  delayFactor: z.number().positive().optional(),
  /** every attempt counts, the first included, as Kestra counts them */
  maxAttempts: z.number().int().min(1).optional(),
  maxAttempt: z
    .never({ error: "'maxAttempt' is Kestra's older name for 'maxAttempts': give one of them" })
    .optional()
    .meta({ description: "as maxAttempts (Kestra's name before 0.24)", [DEPRECATED_SPELLING_OF]: "maxAttempts" }),
  maxDuration: durationText.optional(),
  /** a task that succeeds only on a retry ends WARNING */
  warningOnRetry: z.boolean().optional(),
  /** retry the failed task in its execution (default), or end the execution RETRIED and run the flow again in a new one */
  behavior: z.enum(["RETRY_FAILED_TASK", "CREATE_NEW_EXECUTION"]).optional(),
});

/**
 * Kestra 0.24 renamed `maxAttempt` to `maxAttempts` and still reads the old name (an alias).
 * parseFlow returns the document it read, so the rename happens in the document itself; the
 * schema sees `maxAttempt` only when both are written with different values, and refuses it.
 */
function renameMaxAttempt(raw: unknown): unknown {
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const retry = raw as Record<string, unknown>;
  if (retry.maxAttempt !== undefined && (retry.maxAttempts === undefined || retry.maxAttempts === retry.maxAttempt)) {
    retry.maxAttempts = retry.maxAttempt;
    delete retry.maxAttempt;
  }
  return retry;
}

const retryProperty = z.preprocess(renameMaxAttempt, retrySchema);

/** stopAfter (Kestra's AbstractTrigger, List<State.Type>) names the states an execution ends in: the others never disable a trigger */
const NOT_AN_END = "is not a state an execution ends in (stopAfter names SUCCESS, WARNING, FAILED, KILLED, CANCELLED, RETRIED)";
const STOP_AFTER_REFUSED = Object.fromEntries(
  (["CREATED", "SUBMITTED", "RUNNING", "PAUSED", "PAUSING", "RESTARTED", "KILLING", "QUEUED", "RETRYING", "SKIPPED", "BREAKPOINT", "RESUBMITTED"] as const).map((state) => [state, NOT_AN_END]),
) as Record<"CREATED" | "SUBMITTED" | "RUNNING" | "PAUSED" | "PAUSING" | "RESTARTED" | "KILLING" | "QUEUED" | "RETRYING" | "SKIPPED" | "BREAKPOINT" | "RESUBMITTED", string>;

/**
 * The properties every task takes, handled by the engine; its type's own properties are
 * checked by its plugin's schema (so this object lets other keys through to it).
 */
export const taskSchema = z.looseObject({
  id: z.string().regex(TASK_ID, "a task id starts with a letter or digit and holds letters, digits, '_' and '-'"),
  type: z.string().min(1),
  description: z.string().optional(),
  disabled: z.boolean().optional(),
  allowFailure: z.boolean().optional(),
  timeout: templated(durationText).optional(),
  retry: retryProperty.optional(),
  // Kestra OSS's WorkerGroupValidator refuses any workerGroup: an Enterprise Edition functionality
  workerGroup: z.never({ error: "Worker Group is an Enterprise Edition functionality: Kestra OSS refuses it, and Ferry runs every task on its default worker group" }).optional(),
  /** reuse the outputs of an earlier successful run with the same rendered properties and inputs */
  taskCache: z.strictObject({ enabled: z.boolean(), ttl: durationText.optional() }).optional(),
  /** the task runs only when this renders to true; otherwise its run is SKIPPED */
  runIf: z.union([z.boolean(), z.string()]).optional(),
  /** Kestra's other name for runIf (its TaskWithWhenTest runs the same flows with either); parseFlow renames it to runIf */
  when: z.union([z.boolean(), z.string()]).optional(),
  /** a WARNING of this task (also one allowFailure made) counts as SUCCESS */
  allowWarning: z.boolean().optional(),
  /** lines below this level are dropped where the task logs them */
  logLevel: z.enum(["TRACE", "DEBUG", "INFO", "WARN", "ERROR"]).optional(),
  /** the flow's pluginDefaults entry with this `ref` applies to the task, its type-matched ones do not (consumed when applied) */
  pluginDefaultsRef: z.string().min(1).optional(),
  /** the task's log lines go to a file in internal storage (its URI on the attempt), not to the logs */
  logToFile: z.boolean().optional(),
});

/** what a trigger takes beside its type's own properties (checked by its plugin's schema) */
export const triggerSchema = z.looseObject({
  id: z.string().regex(TASK_ID),
  type: z.string(),
  description: z.string().optional(),
  disabled: z.boolean().optional(),
  conditions: z.array(z.unknown()).optional(),
  when: z
    .union([z.boolean(), z.string()])
    .optional()
    .describe(
      "Kestra 2.0: the trigger fires only when this renders truthy (a Schedule skips that date, a Webhook answers 204, a polling trigger starts nothing); " +
        "with 1.x's conditions, both must hold. A Flow trigger's sees its upstream execution's namespace, flowId, state, labels, outputs and hasRetryAttempt",
    ),
  /** the flow's pluginDefaults entry with this `ref` applies to the trigger, its type-matched ones do not (consumed when applied) */
  pluginDefaultsRef: z.string().min(1).optional(),
  allowConcurrent: z
    .boolean()
    .optional()
    .describe(
      "a Schedule or polling trigger starts its next execution even while one it started still runs; false by default: it waits for that one's end " +
        "(Kestra's AbstractTrigger; a Flow or Webhook trigger is never held back, in Kestra neither)",
    ),
  stopAfter: z
    .array(
      schema.stateType("stopAfter", STOP_AFTER_REFUSED),
    )
    .optional()
    .describe("the trigger is disabled once an execution it started ends in one of these states (a Schedule's or an http.Trigger's, the triggers Kestra's scheduler runs; Kestra follows no other core trigger's executions)"),
  // LabelService.fromTrigger
  labels: z
    .union([z.record(z.string(), z.unknown()), z.array(z.strictObject({ key: z.string(), value: z.unknown() }))])
    .optional()
    .describe("added to each execution the trigger starts, each value rendered then (one rendering empty or failing is left out); a system.* label is refused"),
  // Kestra stores what a trigger logs as log entries of its flow tagged with the trigger's id (LogEntry.of(TriggerContext,
  // AbstractTrigger)), kept from logLevel up; Ferry's triggers log to the server's own log only, so there is nothing to filter
  logLevel: schema.notYet("logLevel", "a trigger's logs go to the server's log, not to stored log entries of its flow, so there is nothing for it to filter"),
});

/** the keys every trigger takes beside its type's own properties: the plugin's schema is checked without them, and a plugin default may set them */
export const COMMON_TRIGGER_KEYS: ReadonlySet<string> = new Set(Object.keys(triggerSchema.shape));

const labelsSchema = z.union([z.record(z.string(), z.string()), z.array(z.strictObject({ key: z.string(), value: z.string() }))]);

/**
 * Kestra's flow SLAs: EXECUTION_ASSERTION is checked on every change of a running execution;
 * MAX_DURATION once its duration has passed since the execution was created (a durable
 * wake-up of the executor, as Kestra's SLA monitor).
 */
const slaSchema = z.discriminatedUnion(
  "type",
  [
    z.strictObject({
      id: z.string().min(1),
      type: z.literal("EXECUTION_ASSERTION"),
      assert: z.string().min(1).describe("a template: the SLA is violated when it does not render truthy, or does not render"),
      behavior: z.enum(["FAIL", "CANCEL", "NONE"]),
      labels: labelsSchema.optional().describe("added to the execution when the SLA is violated"),
    }),
    z.strictObject({
      id: z.string().min(1),
      type: z.literal("MAX_DURATION"),
      // Kestra's @DurationPositive
      duration: schema.duration().refine((v) => !isDuration(v) || parseDuration(v) > 0, { message: "must be a positive duration" }).describe("violated once the execution has lasted longer"),
      behavior: z.enum(["FAIL", "CANCEL", "NONE"]),
      labels: labelsSchema.optional().describe("added to the execution when the SLA is violated"),
    }),
  ],
  { error: (iss) => (iss.code === "invalid_union" ? "an sla's type is EXECUTION_ASSERTION or MAX_DURATION" : undefined) },
);

const pluginDefaultSchema = z.strictObject({
  type: z.string().min(1),
  values: z.record(z.string(), z.unknown()),
  forced: z.boolean().optional(),
  ref: z.string().min(1).optional().describe("applies this default only to the tasks and triggers that name it in their pluginDefaultsRef (Kestra's named plugin defaults)"),
});

/**
 * A flow: strict, so a property Ferry would not honour is refused at deploy, never dropped.
 * Kestra's properties not implemented yet are named as such.
 */
export const flowSchema = z.strictObject({
  id: z.string().regex(ID, "a flow id starts with a letter or digit and holds letters, digits, '.', '_' and '-'").max(100),
  namespace: z.string().regex(NAMESPACE, "a namespace is dot-separated words of letters, digits, '_' and '-'").max(150),
  description: z.string().optional(),
  disabled: z.boolean().optional(),
  /**
   * Kestra's AbstractFlow carries `deleted` (false by default) and its webserver's test flows write
   * `deleted: false`; a source that says the flow is deleted is refused: a flow is deleted by its
   * own request (Kestra's FlowRepository.delete writes the deleted revision itself), never by a deploy
   */
  deleted: z
    .literal(false, { error: "refused: a flow is deleted with DELETE /api/v1/flows/{namespace}/{id} (or `ferry flow delete`), not by deploying `deleted: true`" })
    .optional()
    .describe("false, as Kestra writes it; a flow is deleted by DELETE /api/v1/flows/{namespace}/{id}, not by its source"),
  labels: z.union([z.record(z.string(), z.unknown()), z.array(z.object({ key: z.string(), value: z.unknown() }))]).optional(),
  inputs: z.array(inputSchema).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  tasks: z.array(z.unknown()).min(1, "a flow needs at least one task"),
  errors: z.array(z.unknown()).optional(),
  finally: z.array(z.unknown()).optional(),
  outputs: z.array(outputSchema).optional(),
  triggers: z.array(triggerSchema).optional(),
  pluginDefaults: z.array(pluginDefaultSchema).optional(),
  /** Kestra's deprecated name for pluginDefaults, still accepted by Kestra (the parser moves it there) */
  taskDefaults: z.array(pluginDefaultSchema).optional().describe("as pluginDefaults (Kestra's deprecated name)"),
  /** assigned by the server; one in the source is ignored, as Kestra ignores it */
  revision: z.number().int().optional().describe("ignored: the server assigns revisions, as Kestra does"),
  /** Kestra's flow concurrency: at most `limit` executions hold a slot (from start to end, PAUSED too) */
  concurrency: z
    .strictObject({
      limit: z.number().int().min(1, "concurrency.limit is at least 1"),
      behavior: z.enum(["QUEUE", "CANCEL", "FAIL"]).default("QUEUE").describe("what a start does when every slot is taken: wait QUEUED (oldest first), end CANCELLED, or end FAILED"),
      // Kestra's test flows flow-concurrency-queue-{size,limit,duration}.yml name these, but every
      // Concurrency.java we could read has `limit` and `behavior` only: queueSize (first named queueLimit)
      // is kestra-io/kestra pull request #17046, open when read; no source read gives `duration` a meaning
      queueSize: schema.notYet("concurrency.queueSize", "Kestra's flow concurrency Ferry follows has limit and behavior only; a cap on queued executions is proposed in kestra-io/kestra pull request #17046"),
      queueLimit: schema.notYet("concurrency.queueLimit", "queueSize's first name in kestra-io/kestra pull request #17046; Kestra's flow concurrency Ferry follows has limit and behavior only"),
      duration: schema.notYet("concurrency.duration", "Kestra's flow concurrency Ferry follows has limit and behavior only, and no Kestra source read gives duration a meaning"),
    })
    .optional()
    .describe("how many executions of this flow may run at once, across every scheduler"),
  /** tasks run once the execution ended, whatever its state; they do not change it */
  afterExecution: z.array(z.unknown()).optional(),
  /** the retry policy of every task (and subflow) that fails without one of its own or of an enclosing task */
  retry: retryProperty.optional(),
  sla: z.array(slaSchema).optional(),
  /**
   * Kestra's deprecated listeners: with no conditions, their tasks run once the execution ended,
   * one after another, before afterExecution, and do not change its state (Kestra's
   * handleListeners; AfterExecutionTestCase.shouldCallTasksAfterListener). parseFlow folds them
   * into the head of afterExecution.
   */
  listeners: z
    .array(
      z.strictObject({
        description: z.string().optional(),
        conditions: schema.notYet("listener conditions", "a listener without conditions runs its tasks at every end; use afterExecution tasks with runIf, or a Flow trigger with conditions"),
        tasks: z.array(z.unknown()).min(1, "a listener needs at least one task"),
      }),
    )
    .optional()
    .describe("deprecated by Kestra: tasks run once the execution ended, before afterExecution; they do not change its state"),
  checks: z
    .array(
      z.strictObject({
        condition: z.string().min(1, "a check needs a condition"),
        message: z.string().min(1, "a check needs a message"),
        style: z.enum(["ERROR", "SUCCESS", "WARNING", "INFO"]).default("INFO").describe("the level of the execution log line that gives the message of a failed check (ERROR, WARN, INFO)"),
        behavior: z.enum(["BLOCK_EXECUTION", "FAIL_EXECUTION", "CREATE_EXECUTION"]).default("BLOCK_EXECUTION"),
      }),
    )
    .optional()
    .describe("conditions checked before an execution is created: a false one refuses it (422), creates it FAILED, or creates it anyway, the strictest behaviour of the failed checks winning"),
  workerGroup: z.never({ error: "Worker Group is an Enterprise Edition functionality: Kestra OSS refuses it" }).optional(),
});
