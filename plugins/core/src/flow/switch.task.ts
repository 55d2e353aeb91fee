import { defineTask, schema, z } from "@ferry/sdk";
import { taskList } from "./task-list.schema.js";

export const switchTask = defineTask({
  kind: "flowable",
  type: "core.Switch",
  aliases: ["io.kestra.plugin.core.flow.Switch", "io.kestra.core.tasks.flows.Switch"],
  title: "Choose a branch by value",
  description: "Runs the `cases` entry whose key equals the rendered `value`, or `defaults`.",
  properties: z.strictObject({ value: schema.text(), cases: z.record(z.string(), taskList()).optional(), defaults: taskList().optional() }),
  outputs: z.object({ value: z.string(), defaults: z.boolean() }),
  taskProperties: ["cases", "defaults"],
  examples: [{ title: "Route by tier", flow: "id: route\nnamespace: company.team\ninputs:\n  - id: tier\n    type: STRING\ntasks:\n  - id: route\n    type: core.Switch\n    value: \"{{ inputs.tier }}\"\n    cases:\n      gold:\n        - id: gold\n          type: core.Log\n          message: gold\n    defaults:\n      - id: other\n        type: core.Log\n        message: other\n" }],
  async plan(_ctx, props) {
    const matched = props.cases && Object.prototype.hasOwnProperty.call(props.cases, props.value);
    const branches = matched ? [{ path: ["cases", props.value] }] : props.defaults ? [{ path: ["defaults"] }] : [];
    return { branches, concurrency: 1, outputs: { value: props.value, defaults: !matched } };
  },
});
