import { defineTask, schema, z } from "@ferry/sdk";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";
import { isTruthyText } from "./truth.js";

export const ifTask = defineTask({
  kind: "flowable",
  type: "core.If",
  aliases: ["io.kestra.plugin.core.flow.If", "io.kestra.core.tasks.flows.If"],
  title: "Branch on a condition",
  description: "Runs `then` when `condition` renders truthy (anything but '', 'false', '0', '-0'), else `else`.",
  properties: z.strictObject({ condition: schema.text(), then: taskList().min(1), else: taskList().optional(), ...handlers }),
  outputs: z.object({ evaluationResult: z.boolean() }),
  taskProperties: ["then", "else", ...HANDLER_LISTS],
  examples: [{ title: "Branch", flow: "id: branch\nnamespace: company.team\ninputs:\n  - id: go\n    type: BOOLEAN\ntasks:\n  - id: decide\n    type: core.If\n    condition: \"{{ inputs.go }}\"\n    then:\n      - id: yes\n        type: core.Log\n        message: yes\n" }],
  async plan(_ctx, props) {
    const result = isTruthyText(props.condition);
    const branch = result ? "then" : "else";
    return { branches: result || props.else ? [{ path: [branch] }] : [], concurrency: 1, outputs: { evaluationResult: result } };
  },
});
