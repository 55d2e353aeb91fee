import { defineTask, z } from "@ferry/sdk";

export const MERGE_TYPE = "core.ForEachItemMergeOutputs";

/** Kestra's ForEachItem$ForEachItemMergeOutputs: the `<id>_merge` step; not for flows to name */
export const forEachItemMergeTask = defineTask({
  kind: "runnable",
  internal: true,
  type: MERGE_TYPE,
  aliases: ["io.kestra.plugin.core.flow.ForEachItem$ForEachItemMergeOutputs"],
  title: "ForEachItem: the subflows' outputs in one file",
  description: "The last step of core.ForEachItem: outputs `subflowOutputs`, a file of the subflow executions' outputs, one line each in batch order; nothing when they had none.",
  properties: z.strictObject({ from: z.string() }),
  outputs: z.object({ subflowOutputs: z.string().optional() }),
  async run(ctx, props) {
    if (!props.from) return undefined;
    return { subflowOutputs: await ctx.putFile("outputs.ion", await ctx.getFile(props.from)) };
  },
});
