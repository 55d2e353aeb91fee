import { defineTask, errorMessage, UserError, z } from "@ferry/sdk";
import { isTruthyText } from "../flow/truth.js";

export const assertTask = defineTask({
  kind: "runnable",
  type: "core.execution.Assert",
  aliases: ["io.kestra.plugin.core.execution.Assert"],
  title: "Assert conditions",
  description:
    "Renders each of `conditions`; one that renders '', 'false', '0' or '-0', or fails to render, is logged as a failed assertion. Reports the `success` and `failed` " +
    "counters, then fails the task when any failed, with `errorMessage` added to its message.",
  properties: z.strictObject({ conditions: z.array(z.string()).min(1), errorMessage: z.string().optional() }),
  rawProperties: ["conditions"],
  async run(ctx, props) {
    let failed = 0;
    let success = 0;
    for (const condition of props.conditions) {
      try {
        const rendered = await ctx.render(condition);
        if (!isTruthyText(rendered === null || rendered === undefined ? "" : String(rendered))) {
          ctx.logger.error(`Assertion \`${condition}\` failed!`);
          failed++;
        } else success++;
      } catch (error) {
        ctx.logger.error(`Assertion \`${condition}\` failed, failed to render \`${errorMessage(error)}\``);
        failed++;
      }
    }
    ctx.metric("success", success);
    ctx.metric("failed", failed);
    if (failed > 0) throw new UserError(`${failed} assertion${failed > 1 ? "s" : ""} failed!${props.errorMessage ? `\n${props.errorMessage}` : ""}`);
  },
});
