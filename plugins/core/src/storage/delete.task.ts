import { defineTask, NotFoundError, schema, z } from "@ferry/sdk";

export const deleteTask = defineTask({
  kind: "runnable",
  type: "core.storage.Delete",
  aliases: ["io.kestra.plugin.core.storage.Delete", "io.kestra.core.tasks.storages.Delete"],
  title: "Delete a file",
  description:
    "Deletes the file at `uri`, a file of this execution. Outputs `uri` and `deleted` (false when there was none; with `errorOnMissing`, the task fails instead).",
  properties: z.strictObject({ uri: z.string().min(1), errorOnMissing: schema.bool().default(false) }),
  outputs: z.object({ uri: z.string(), deleted: z.boolean() }),
  async run(ctx, props) {
    const deleted = await ctx.executionFiles.delete(props.uri);
    if (props.errorOnMissing && !deleted) throw new NotFoundError(`Unable to find file '${props.uri}'`);
    return { uri: props.uri, deleted };
  },
});
