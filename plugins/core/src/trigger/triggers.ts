import { defineTrigger, triggerKindProperties, z } from "@ferry/sdk";
import { Cron } from "croner";

/*
 * The three trigger types the server fires (see TriggerKind in @ferry/sdk), under Ferry's
 * names and Kestra's, so flows written for Kestra deploy unchanged. `conditions` are
 * checked by the flow parser for every trigger (packages/core, flow/conditions.ts).
 */

/**
 * croner reads five fields (minute first) or six (second first), and @hourly-style nicknames.
 * Runs of whitespace count as one and the ends are trimmed, as cron-utils' CronParser.parse
 * (Kestra's Schedule.CRON_PARSER) reads them: `cron: "0 4 * * * "` in Kestra's Count example deploys.
 */
function cronOf(properties: { cron: string; timezone?: string }): Cron {
  return new Cron(properties.cron.replace(/\s+/g, " ").trim(), { paused: true, timezone: properties.timezone });
}

const scheduleProperties = triggerKindProperties.schedule
  .extend({
    cron: z.string().min(1),
    // Kestra's Schedule declares it @Deprecated and never reads it (Schedule.java: its backfills come from the trigger's
    // context, started from the UI); accepted so Kestra's flows deploy, and the server logs a WARN at each fire saying so
    backfill: z
      .record(z.string(), z.unknown())
      .nullable()
      .optional()
      .describe("deprecated by Kestra and ignored: it has no effect (a WARN says so at each fire); backfill through POST /api/v1/triggers/{namespace}/{flowId}/{triggerId}/backfill"),
  })
  .strict()
  .superRefine((value, ctx) => {
    try {
      if (value.timezone) new Intl.DateTimeFormat("en", { timeZone: value.timezone });
    } catch {
      ctx.addIssue({ code: "custom", path: ["timezone"], message: `unknown time zone '${value.timezone}'` });
      return;
    }
    let cron: Cron;
    try {
      cron = cronOf(value);
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["cron"], message: `expected a cron expression of five or six fields, or @hourly, @daily, …: ${(error as Error).message}` });
      return;
    }
    // a date no calendar has (`0 0 30 2 *`: February 30) parses but never fires; deployed, the
    // trigger would stay silent for good (Kestra fails only when it computes the next date)
    if (!cron.nextRun()) ctx.addIssue({ code: "custom", path: ["cron"], message: `the cron expression '${value.cron}' never fires: no calendar date matches it` });
  });

export const scheduleTrigger = defineTrigger({
  type: "core.trigger.Schedule",
  aliases: ["io.kestra.plugin.core.trigger.Schedule", "io.kestra.core.models.triggers.types.Schedule"],
  title: "Schedule",
  description:
    "Starts the flow on a cron schedule (five fields, six with seconds first, or @hourly-style nicknames) in a time zone. " +
    "Each fire time starts exactly one execution, with `trigger.date`, `trigger.next` and `trigger.previous`. " +
    "After downtime, `recoverMissedSchedules` starts ALL missed fires (default), the LAST one, or NONE.",
  kind: "schedule",
  properties: scheduleProperties,
  nextFire: (properties, after) => cronOf(properties).nextRun(after) ?? undefined,
});

export const webhookTrigger = defineTrigger({
  type: "core.trigger.Webhook",
  aliases: ["io.kestra.plugin.core.trigger.Webhook", "io.kestra.core.models.triggers.types.Webhook"],
  title: "Webhook",
  description:
    "Starts the flow when /api/v1/executions/webhook/{namespace}/{flowId}/{key} is called (GET, POST or PUT). The flow sees " +
    "`trigger.body` (null with `fetchType: NONE`), `trigger.headers` and `trigger.parameters`. With `wait` the call answers when the execution ends; " +
    "with `returnOutputs`, with the flow's outputs only.",
  kind: "webhook",
  properties: triggerKindProperties.webhook.strict(),
});

export const flowTrigger = defineTrigger({
  type: "core.trigger.Flow",
  aliases: ["io.kestra.plugin.core.trigger.Flow", "io.kestra.core.models.triggers.types.Flow"],
  title: "Flow",
  description:
    "Starts the flow when an execution of another flow ends in one of `states` (default, as Kestra 1.x: every end — SUCCESS, WARNING, FAILED, KILLED, CANCELLED, RETRIED — and PAUSED), or enters one that is not an end " +
    "(RUNNING, PAUSED, KILLING, QUEUED: once per change of state, so two Pauses fire a PAUSED trigger twice, as in Kestra), " +
    "filtered by `preconditions.flows` (namespace, flowId, states) and `conditions`, or, as Kestra 2.0 writes it, by `dependsOn` entries " +
    "(namespace, flowId, states, labels, when) combined by `mode` (ALL, ANY, AT_LEAST with `minSatisfied`) within a `window` (deadline, from/to, every/offset, lookback; fireOnce), " +
    "and a trigger-level `when`. The new execution sees " +
    "`trigger.executionId`, `trigger.namespace`, `trigger.flowId`, `trigger.flowRevision`, `trigger.state` and `trigger.outputs` (with dependsOn, per upstream flow id: " +
    "`trigger.outputs.<flowId>.<key>`; a single entry also gives them unscoped).",
  kind: "flow",
  properties: triggerKindProperties.flow.strict(),
});
