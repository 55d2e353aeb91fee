import { defineTask, LOG_LEVELS, z, type LogLevel } from "@ferry/sdk";
import { toIonStruct } from "../storage/ion.js";
import { freshName } from "../storage/file-names.js";

export const fetchTask = defineTask({
  kind: "runnable",
  type: "core.log.Fetch",
  aliases: ["io.kestra.plugin.core.log.Fetch", "io.kestra.core.tasks.log.Fetch"],
  title: "Fetch an execution's logs",
  description:
    "Writes the log lines of an execution — this one, or `executionId` of this flow (or of `namespace`/`flowId`) — at `level` or above (INFO by default), of `tasksId` when given, " +
    "into an Ion file, one line per log line (namespace, flowId, taskId, executionId, taskRunId, attemptNumber, timestamp, level, message). Outputs `uri` and `size`, the number of lines.",
  properties: z.strictObject({
    namespace: z.string().min(1).optional(),
    flowId: z.string().min(1).optional(),
    executionId: z.string().min(1).optional(),
    tasksId: z.array(z.string().min(1)).optional(),
    level: z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]]).default("INFO"),
  }),
  outputs: z.object({ uri: z.string(), size: z.number() }),
  async run(ctx, props) {
    const lines = await ctx.executions.logs({ executionId: props.executionId, namespace: props.namespace, flowId: props.flowId, taskIds: props.tasksId, minLevel: props.level });
    const body = lines
      .map((l) =>
        toIonStruct(
          { namespace: l.namespace, flowId: l.flowId, taskId: l.taskId, executionId: l.executionId, taskRunId: l.taskRunId, attemptNumber: l.attemptNumber, timestamp: l.timestamp, level: l.level, message: l.message },
          ["timestamp"],
        ),
      )
      .map((line) => `${line}\n`)
      .join("");
    return { uri: await ctx.putFile(freshName(".ion"), body), size: lines.length };
  },
});
