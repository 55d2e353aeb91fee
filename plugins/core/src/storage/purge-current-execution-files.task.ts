import { defineTask, schema, z } from "@ferry/sdk";
import { statePrefix } from "../state/state-key.js";

export const purgeCurrentExecutionFilesTask = defineTask({
  kind: "runnable",
  type: "core.storage.PurgeCurrentExecutionFiles",
  aliases: ["io.kestra.plugin.core.storage.PurgeCurrentExecutionFiles", "io.kestra.plugin.core.storage.PurgeExecution", "io.kestra.core.tasks.storages.PurgeExecution"],
  title: "Purge this execution's files",
  description:
    "Deletes the files this execution stored in internal storage — its FILE inputs and what its tasks wrote — and outputs their `uris`; with none, it succeeds. " +
    "`includeChildExecutions` also purges the subflow executions it started; `includeStates` also deletes this flow's state store entries (state.Set).",
  properties: z.strictObject({
    includeChildExecutions: schema.bool().default(false),
    includeStates: schema.bool().default(false),
  }),
  outputs: z.object({ uris: z.array(z.string()) }),
  async run(ctx, props) {
    const uris = await ctx.executionFiles.purge({ children: props.includeChildExecutions });
    if (props.includeStates) {
      const prefix = statePrefix(ctx.execution.flowId);
      for (const key of await ctx.kv.keys(prefix)) await ctx.kv.delete(key);
    }
    return { uris };
  },
});
