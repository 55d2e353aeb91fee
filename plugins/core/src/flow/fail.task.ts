import { defineTask, schema, UserError, z } from "@ferry/sdk";
import { isTruthyText } from "./truth.js";

export const failTask = defineTask({
  kind: "runnable",
  type: "core.Fail",
  aliases: ["io.kestra.plugin.core.execution.Fail", "io.kestra.core.tasks.executions.Fail"],
  title: "Fail the execution",
  description: "Fails with `errorMessage`, always or only when `condition` renders truthy.",
  properties: z.strictObject({
    errorMessage: schema.text().default("Task failure"),
    condition: schema.text().optional().describe("fail only when this renders truthy"),
  }),
  examples: [{ title: "Fail on purpose", flow: "id: fail\nnamespace: company.team\ntasks:\n  - id: boom\n    type: core.Fail\n    errorMessage: stop here\n" }],
  async run(_ctx, props) {
    if (props.condition !== undefined && !isTruthyText(props.condition)) return;
    // the flow's author asked for it: theirs to act on (a UserError); Kestra still honours the task's retry policy for it, and so does the worker
    throw new UserError(props.errorMessage);
  },
});

