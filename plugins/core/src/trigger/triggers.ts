import { defineTrigger, schema, z } from "@ferry/sdk";

/*
 * Trigger declarations, validated at deploy so flows written for Kestra deploy unchanged.
 * This version checks them but does not fire them yet: webhooks, schedules and flow
 * triggers are the triggers issue's work (the server logs this when such a flow is deployed).
 */

const CRON = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4,5}\S+)$/;

export const scheduleTrigger = defineTrigger({
  type: "core.trigger.Schedule",
  aliases: ["io.kestra.plugin.core.trigger.Schedule", "io.kestra.core.models.triggers.types.Schedule"],
  title: "Schedule",
  description: "Starts the flow on a cron schedule (five or six fields, or @hourly-style nicknames).",
  properties: z.looseObject({
    cron: z.string().regex(CRON, "expected a cron expression of five or six fields, or @hourly, @daily, …"),
    timezone: z.string().optional(),
    inputs: z.record(z.string(), z.unknown()).optional(),
    recoverMissedSchedules: z.enum(["ALL", "LAST", "NONE"]).optional(),
    backfill: z.looseObject({}).optional(),
    lateMaximumDelay: schema.duration().optional(),
  }),
});

export const webhookTrigger = defineTrigger({
  type: "core.trigger.Webhook",
  aliases: ["io.kestra.plugin.core.trigger.Webhook", "io.kestra.core.models.triggers.types.Webhook"],
  title: "Webhook",
  description: "Starts the flow when its URL is called with the right key.",
  properties: z.looseObject({ key: z.string().min(1), wait: schema.bool().optional(), returnOutputs: schema.bool().optional() }),
});

export const flowTrigger = defineTrigger({
  type: "core.trigger.Flow",
  aliases: ["io.kestra.plugin.core.trigger.Flow", "io.kestra.core.models.triggers.types.Flow"],
  title: "Flow",
  description: "Starts the flow when executions of other flows end in given states.",
  properties: z.looseObject({ preconditions: z.looseObject({}).optional(), states: z.array(z.string()).optional() }),
});
