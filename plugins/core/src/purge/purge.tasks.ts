import { defineTask, LOG_LEVELS, schema, z, type LogLevel } from "@ferry/sdk";

/** an ISO-8601 date-time (`{{ now() | dateAdd(-1, 'MONTHS') }}` renders one), kept as UTC ISO text */
const dateTime = () =>
  z
    .string()
    .refine((v) => !Number.isNaN(Date.parse(v)), { message: "expected an ISO-8601 date-time such as 2026-01-01T00:00:00Z" })
    .transform((v) => new Date(v).toISOString());

const purgeExample = `id: purge
namespace: system
tasks:
  - id: purge_executions
    type: io.kestra.plugin.core.execution.PurgeExecutions
    endDate: "{{ now() | dateAdd(-1, 'MONTHS') }}"
    purgeLog: false
  - id: purge_logs
    type: io.kestra.plugin.core.log.PurgeLogs
    endDate: "{{ now() | dateAdd(-1, 'MONTHS') }}"
  - id: purge_kv
    type: io.kestra.plugin.core.kv.PurgeKV
    expiredOnly: true
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "@daily"
`;

export const purgeExecutionsTask = defineTask({
  kind: "runnable",
  type: "core.PurgeExecutions",
  // Kestra's @Plugin(aliases) on PurgeExecutions: the storage Purge it replaced
  aliases: ["io.kestra.plugin.core.execution.PurgeExecutions", "io.kestra.core.tasks.storages.Purge", "io.kestra.plugin.core.storage.Purge"],
  title: "Purge ended executions",
  description:
    "Removes executions that ended before `endDate` (and started after `startDate`), of `namespace` (and its children) and `flowId` when given, in `states` (terminal ones only; all of them by default): their records and task runs, logs, metrics and internal storage files, each unless turned off. A running execution is never purged.",
  properties: z.strictObject({
    namespace: z.string().min(1).optional(),
    flowId: z.string().min(1).optional(),
    startDate: dateTime().optional(),
    endDate: dateTime(),
    states: schema.stateTypes("states").optional(),
    purgeExecution: schema.bool().default(true),
    purgeLog: schema.bool().default(true),
    purgeMetric: schema.bool().default(true),
    purgeStorage: schema.bool().default(true),
  }),
  outputs: z.object({ executionsCount: z.number(), logsCount: z.number(), metricsCount: z.number(), storagesCount: z.number() }),
  examples: [{ title: "Keep one month of history", flow: purgeExample }],
  async run(ctx, props) {
    const counts = await ctx.purge.executions({
      namespace: props.namespace, flowId: props.flowId, startedAfter: props.startDate, endedBefore: props.endDate, states: props.states,
      executions: props.purgeExecution, logs: props.purgeLog, metrics: props.purgeMetric, storage: props.purgeStorage,
    });
    ctx.logger.info(`purged ${counts.executionsCount} executions, ${counts.logsCount} log lines, ${counts.metricsCount} metrics, ${counts.storagesCount} storage files`);
    return { ...counts };
  },
});

export const purgeLogsTask = defineTask({
  kind: "runnable",
  type: "core.PurgeLogs",
  aliases: ["io.kestra.plugin.core.log.PurgeLogs"],
  title: "Purge logs",
  description: "Removes log lines written before `endDate` (and after `startDate`), of `namespace` (and its children), `flowId`, `executionId` and `logLevels` when given. Outputs `count`.",
  properties: z.strictObject({
    namespace: z.string().min(1).optional(),
    flowId: z.string().min(1).optional(),
    executionId: z.string().min(1).optional(),
    logLevels: z.array(z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]])).optional(),
    startDate: dateTime().optional(),
    endDate: dateTime(),
  }),
  outputs: z.object({ count: z.number() }),
  examples: [{ title: "Keep one month of logs", flow: purgeExample }],
  async run(ctx, props) {
    const count = await ctx.purge.logs({
      namespace: props.namespace, flowId: props.flowId, executionId: props.executionId, levels: props.logLevels, after: props.startDate, before: props.endDate,
    });
    return { count };
  },
});

export const purgeKvTask = defineTask({
  kind: "runnable",
  type: "core.PurgeKV",
  aliases: ["io.kestra.plugin.core.kv.PurgeKV"],
  title: "Purge KV pairs",
  description:
    "Removes KV pairs: by default only expired ones (`behavior: {type: key, expiredOnly: false}`, or Kestra's deprecated `expiredOnly: false`, which wins when set, removes every match), of `namespaces` (with their children unless `includeChildNamespaces: false`) or those matching `namespacePattern`, every namespace when neither is given; `keyPattern` is a glob (`cache_*`). Outputs `size`, how many went.",
  properties: z
    .strictObject({
      namespaces: z.array(z.string().min(1)).optional(),
      namespacePattern: z.string().min(1).optional(),
      includeChildNamespaces: schema.bool().default(true),
      keyPattern: z.string().min(1).optional(),
      // Kestra's KvPurgeBehavior: `key` only; Ferry keeps no earlier versions of a pair for `version` to purge
      behavior: z
        .discriminatedUnion("type", [
          z.strictObject({ type: z.literal("key"), expiredOnly: schema.bool().default(true) }),
          z
            .strictObject({ type: z.literal("version"), before: z.string().optional(), keepAmount: z.number().optional() })
            .refine(() => false, { message: "not supported by Ferry yet: behavior type version (Ferry keeps no earlier versions of a KV pair)" }),
        ])
        .optional(),
      /** Kestra's deprecated shortcut of behavior {type: key, expiredOnly}; set, it wins over `behavior` */
      expiredOnly: schema.bool().optional(),
    })
    // Kestra's PurgeTask.findNamespaces (PurgeKVTest.should_not_find_namespaces_with_incorrect_parameters)
    .refine((p) => !(p.namespaces?.length && p.namespacePattern), {
      message: "Properties `namespaces` and `namespacePattern` can't be used at the same time — use one or the other.",
    }),
  outputs: z.object({ size: z.number() }),
  examples: [{ title: "Clear expired pairs daily", flow: purgeExample }],
  async run(ctx, props) {
    const expiredOnly = props.expiredOnly ?? (props.behavior?.type === "key" ? props.behavior.expiredOnly : true);
    const { behavior: _behavior, ...query } = props;
    return { size: await ctx.purge.kv({ ...query, expiredOnly }) };
  },
});
