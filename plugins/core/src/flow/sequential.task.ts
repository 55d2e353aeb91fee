import { defineTask, z } from "@ferry/sdk";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

export const sequentialTask = defineTask({
  kind: "flowable",
  type: "core.Sequential",
  aliases: ["io.kestra.plugin.core.flow.Sequential", "io.kestra.core.tasks.flows.Sequential"],
  title: "Run tasks one after another",
  properties: z.strictObject({ tasks: taskList().min(1), ...handlers }),
  taskProperties: ["tasks", ...HANDLER_LISTS],
  examples: [{ title: "Group two steps", flow: "id: seq\nnamespace: company.team\ntasks:\n  - id: group\n    type: core.Sequential\n    tasks:\n      - id: a\n        type: core.Log\n        message: a\n      - id: b\n        type: core.Log\n        message: b\n" }],
  async plan() {
    return { branches: [{ path: ["tasks"] }], concurrency: 1 };
  },
});
