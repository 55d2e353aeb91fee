import { defineTask, schema, z } from "@ferry/sdk";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

export const parallelTask = defineTask({
  kind: "flowable",
  type: "core.Parallel",
  aliases: ["io.kestra.plugin.core.flow.Parallel", "io.kestra.core.tasks.flows.Parallel"],
  title: "Run tasks in parallel",
  description:
    "Every child task is a branch; `concurrent` caps how many run at once (0 = all). With `failFast`, the first child to fail kills the siblings still running and starts no more; the task then fails and runs its `errors` and `finally`.",
  properties: z.strictObject({
    tasks: taskList().min(1),
    concurrent: schema.int({ min: 0 }).default(0),
    failFast: schema.bool().default(false).describe("kill the still-running siblings once a child failed with no retry left (Kestra's Parallel `failFast`)"),
    ...handlers,
  }),
  taskProperties: ["tasks", ...HANDLER_LISTS],
  examples: [{ title: "Fan out", flow: "id: par\nnamespace: company.team\ntasks:\n  - id: fan\n    type: core.Parallel\n    tasks:\n      - id: a\n        type: core.Log\n        message: a\n      - id: b\n        type: core.Log\n        message: b\n" }],
  async plan(_ctx, props) {
    return { branches: props.tasks.map((_, i) => ({ path: ["tasks", String(i)] })), concurrency: props.concurrent, ...(props.failFast ? { stopSiblings: "KILLED" as const } : {}) };
  },
});
