import { defineTask, schema, z } from "@ferry/sdk";

export const subflowTask = defineTask({
  kind: "subflow",
  type: "core.Subflow",
  aliases: ["io.kestra.plugin.core.flow.Subflow", "io.kestra.core.tasks.flows.Subflow", "io.kestra.core.tasks.flows.Flow", "io.kestra.plugin.core.flow.Flow"],
  title: "Run another flow",
  description:
    "Starts an execution of another flow. With `wait` (default) the task ends with the child and exposes `executionId`, `state` and the child's declared `outputs`; `transmitFailed` (default) fails it when the child fails. With `scheduleDate` the child waits CREATED until that date.",
  properties: z.strictObject({
    namespace: schema.text(),
    flowId: schema.text(),
    revision: schema.int().optional(),
    inputs: z.record(z.string(), z.unknown()).default({}),
    labels: z
      .union([z.record(z.string(), schema.text()), z.array(z.strictObject({ key: schema.text(), value: schema.text() }))])
      .default({})
      .superRefine((labels, ctx) => {
        // Kestra's NoSystemLabelValidation: only the orchestrator sets system.* labels
        for (const [key, value] of Array.isArray(labels) ? labels.map((l) => [l.key, l.value]) : Object.entries(labels)) {
          if (key.startsWith("system.")) ctx.addIssue({ code: "custom", message: `System labels can only be set by Kestra itself, offending label: ${key}=${value}` });
        }
      }),
    wait: schema.bool().default(true),
    transmitFailed: schema.bool().default(true),
    inheritLabels: schema.bool().default(false).describe("the child execution gets this execution's labels (its own `labels` over them)"),
    outputs: z
      .record(z.string(), z.unknown())
      .optional()
      .describe("Kestra's deprecated task outputs: rendered against the child execution once it ended, when the child flow declares no outputs of its own"),
    scheduleDate: schema
      .dateTime()
      .optional()
      .describe("the child execution is created at once but waits CREATED until this date-time (ISO-8601 with an offset), then starts; a date passed starts it at once"),
    restartBehavior: z
      .enum(["RETRY_FAILED", "NEW_EXECUTION"])
      .default("RETRY_FAILED")
      .describe("on a restart of this execution: RETRY_FAILED restarts the failed child execution itself, NEW_EXECUTION starts a new one"),
  }),
  rawProperties: ["outputs"],
  outputs: z.object({ executionId: z.string(), state: z.string(), outputs: z.record(z.string(), z.unknown()).optional() }),
  examples: [{ title: "Call a child flow", flow: "id: parent\nnamespace: company.team\ntasks:\n  - id: call\n    type: core.Subflow\n    namespace: company.team\n    flowId: child\n    inputs:\n      who: world\n" }],
  target(props) {
    const { outputs: _later, labels, ...target } = props;
    // Kestra takes labels as a map or as a list of {key, value}
    return { ...target, labels: Array.isArray(labels) ? Object.fromEntries(labels.map((l) => [l.key, l.value])) : labels };
  },
});
