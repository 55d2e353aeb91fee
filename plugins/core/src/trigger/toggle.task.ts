import { defineTask, schema, z } from "@ferry/sdk";

export const toggleTask = defineTask({
  kind: "runnable",
  type: "core.trigger.Toggle",
  aliases: ["io.kestra.plugin.core.trigger.Toggle", "io.kestra.core.tasks.trigger.Toggle"],
  title: "Enable or disable a trigger",
  description:
    "Enables (`enabled: true`) or disables (the default, `enabled: false`) the trigger `trigger` of the flow `namespace`.`flowId` (this flow by default). A disabled schedule " +
    "stops firing; enabled again, it resumes from now without a backlog. Fails when the flow or the trigger does not exist.",
  properties: z.strictObject({
    namespace: z.string().min(1).optional(),
    flowId: z.string().min(1).optional(),
    trigger: z.string().min(1),
    enabled: schema.bool().default(false),
  }),
  examples: [
    {
      title: "Disable this flow's schedule",
      flow: "id: toggle\nnamespace: company.team\ntasks:\n  - id: disable\n    type: io.kestra.plugin.core.trigger.Toggle\n    trigger: schedule\n    enabled: false\ntriggers:\n  - id: schedule\n    type: io.kestra.plugin.core.trigger.Schedule\n    cron: \"* * * * *\"\n",
    },
  ],
  async run(ctx, props) {
    await ctx.triggers.setEnabled({ namespace: props.namespace, flowId: props.flowId, triggerId: props.trigger }, props.enabled);
    ctx.logger.info(`trigger ${props.trigger} of ${props.namespace ?? ctx.execution.namespace}.${props.flowId ?? ctx.execution.flowId} ${props.enabled ? "enabled" : "disabled"}`);
  },
});
