import { defineTask, schema, z } from "@ferry/sdk";

export const subflowTask = defineTask({
  kind: "subflow",
  type: "core.Subflow",
  aliases: ["io.kestra.plugin.core.flow.Subflow", "io.kestra.core.tasks.flows.Subflow", "io.kestra.core.tasks.flows.Flow"],
  title: "Run another flow",
  description:
    "Starts an execution of another flow. With `wait` (default) the task ends with the child and exposes `executionId`, `state` and the child's declared `outputs`; `transmitFailed` (default) fails it when the child fails.",
  properties: z.strictObject({
    namespace: schema.text(),
    flowId: schema.text(),
    revision: schema.int().optional(),
    inputs: z.record(z.string(), z.unknown()).default({}),
    labels: z.record(z.string(), schema.text()).default({}),
    wait: schema.bool().default(true),
    transmitFailed: schema.bool().default(true),
  }),
  outputs: z.object({ executionId: z.string(), state: z.string(), outputs: z.record(z.string(), z.unknown()).optional() }),
  examples: [{ title: "Call a child flow", flow: "id: parent\nnamespace: company.team\ntasks:\n  - id: call\n    type: core.Subflow\n    namespace: company.team\n    flowId: child\n    inputs:\n      who: world\n" }],
  target(props) {
    return { ...props };
  },
});
