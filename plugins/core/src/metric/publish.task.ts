import { defineTask, parseDuration, schema, z } from "@ferry/sdk";

const name = z.string().min(1, { message: "Metric name and value can't be null" });
const tags = z.record(z.string(), schema.text()).optional();

/** Kestra's AbstractMetric subtypes: a counter adds a number, a timer records a duration */
const metric = z.discriminatedUnion(
  "type",
  [
    z.strictObject({ type: z.literal("counter"), name, value: schema.number(), tags }),
    z.strictObject({ type: z.literal("timer"), name, value: schema.duration(), tags }),
  ],
  { error: (iss) => (iss.code === "invalid_union" ? "a metric's type is counter or timer" : undefined) },
);

export const publishTask = defineTask({
  kind: "runnable",
  type: "core.metric.Publish",
  aliases: ["io.kestra.plugin.core.metric.Publish"],
  title: "Publish metrics",
  description:
    "Reports each of `metrics` as a metric of this task run (Kestra's metric.Publish): a `counter` adds its number `value`, a `timer` records its ISO-8601 duration " +
    "`value` (in seconds, as every timer), each with its `tags`. Outputs `metrics`, the list published ({name, type, value, tags}).",
  properties: z.strictObject({ metrics: z.array(metric).default([]) }),
  outputs: z.object({
    metrics: z.array(z.object({ name: z.string(), type: z.enum(["counter", "timer"]), value: z.union([z.number(), z.string()]), tags: z.record(z.string(), z.string()) })),
  }),
  examples: [
    {
      title: "Count processed rows and time a step",
      flow:
        "id: publish_metrics\nnamespace: company.team\ntasks:\n  - id: metrics\n    type: core.metric.Publish\n    metrics:\n" +
        "      - { type: counter, name: rows, value: 42, tags: { source: crm } }\n      - { type: timer, name: load, value: PT1.5S }\n",
    },
  ],
  async run(ctx, props) {
    const published = props.metrics.map((m) => ({ name: m.name, type: m.type, value: m.value, tags: m.tags ?? {} }));
    for (const m of published) {
      ctx.metric(m.name, m.type === "timer" ? parseDuration(String(m.value)) / 1000 : Number(m.value), { type: m.type, tags: m.tags });
    }
    return { metrics: published };
  },
});
