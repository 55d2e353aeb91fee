import { defineTask, z } from "@ferry/sdk";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

export const allowFailureTask = defineTask({
  kind: "flowable",
  type: "core.AllowFailure",
  aliases: ["io.kestra.plugin.core.flow.AllowFailure", "io.kestra.core.tasks.flows.AllowFailure"],
  title: "Run tasks whose failure does not fail the flow",
  description:
    "Runs `tasks` one after another, as Sequential. When one fails, the rest of the block is skipped and the block ends WARNING, so the tasks after it run (Kestra's AllowFailure).",
  properties: z.strictObject({ tasks: taskList().min(1), ...handlers }),
  taskProperties: ["tasks", ...HANDLER_LISTS],
  examples: [
    {
      title: "Go on after a failure",
      flow: "id: tolerant\nnamespace: company.team\ntasks:\n  - id: try\n    type: core.AllowFailure\n    tasks:\n      - id: boom\n        type: core.Fail\n  - id: after\n    type: core.Log\n    message: still running\n",
    },
  ],
  async plan() {
    return { branches: [{ path: ["tasks"] }], concurrency: 1, allowFailure: true };
  },
});
