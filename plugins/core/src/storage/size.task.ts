import { defineTask, z } from "@ferry/sdk";

export const sizeTask = defineTask({
  kind: "runnable",
  type: "core.storage.Size",
  aliases: ["io.kestra.plugin.core.storage.Size", "io.kestra.core.tasks.storages.Size"],
  title: "Size of a file",
  description: "Outputs `size`: the size in bytes of the file at `uri` (a file of this execution or of its namespace).",
  properties: z.strictObject({ uri: z.string().min(1) }),
  outputs: z.object({ size: z.number() }),
  async run(ctx, props) {
    return { size: (await ctx.getFile(props.uri)).length };
  },
});
