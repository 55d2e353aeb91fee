import { defineTask, z } from "@ferry/sdk";

export const outputValuesTask = defineTask({
  kind: "runnable",
  type: "core.OutputValues",
  aliases: ["io.kestra.plugin.core.output.OutputValues", "io.kestra.core.tasks.outputs.OutputValues"],
  title: "Output values",
  description: "Exposes rendered values as `outputs.<taskId>.values.<key>`; non-string values keep their type.",
  properties: z.strictObject({ values: z.record(z.string(), z.unknown()).default({}) }),
  outputs: z.object({ values: z.record(z.string(), z.unknown()) }),
  examples: [{ title: "Compute a message", flow: "id: values\nnamespace: company.team\ntasks:\n  - id: out\n    type: core.OutputValues\n    values:\n      message: Hello\n" }],
  async run(_ctx, props) {
    return { values: props.values };
  },
});
