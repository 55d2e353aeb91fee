import { defineTask, schema, z } from "@ferry/sdk";

export const returnTask = defineTask({
  kind: "runnable",
  type: "core.Return",
  aliases: ["io.kestra.plugin.core.debug.Return", "io.kestra.core.tasks.debugs.Return"],
  title: "Return a value",
  description: "Renders `format` and exposes it as `outputs.<taskId>.value` (always a string).",
  properties: z.strictObject({ format: schema.text().optional() }),
  outputs: z.object({ value: z.string() }),
  examples: [{ title: "Return a string", flow: "id: ret\nnamespace: company.team\ntasks:\n  - id: compute\n    type: core.Return\n    format: \"{{ 6 * 7 }}\"\n" }],
  async run(ctx, props) {
    ctx.logger.debug(props.format ?? "");
    return { value: props.format ?? "" };
  },
});
