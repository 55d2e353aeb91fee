import { defineTask, parseJsonFromOutside, UserError, z } from "@ferry/sdk";

const labelValue = (value: unknown) => (value !== null && typeof value === "object" ? JSON.stringify(value) : String(value));

/** the labels as Kestra's Labels task reads them: a map, a list of {key, value}, or a JSON map rendered from a template */
function labelsOf(raw: unknown): Record<string, string> {
  if (typeof raw === "string") {
    const parsed = parseJsonFromOutside(raw, "labels");
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new UserError("labels rendered to text that is not a JSON map of label keys to values");
    return labelsOf(parsed);
  }
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((label: { key: unknown; value: unknown }) => [String(label.key), labelValue(label.value)]));
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([key, value]) => [key, labelValue(value)]));
}

export const labelsTask = defineTask({
  kind: "execution",
  type: "core.Labels",
  aliases: ["io.kestra.plugin.core.execution.Labels", "io.kestra.core.tasks.executions.Labels"],
  title: "Add or replace labels of the running execution",
  description:
    "Adds `labels` (a map, a list of `{key, value}`, or a template rendering to a JSON map) to the execution, replacing those with the same key; they show in the API at once and to the tasks after. A `system.` label is refused: only Ferry sets those.",
  properties: z.strictObject({
    labels: z.union([
      z.string(),
      z.array(z.strictObject({ key: z.string(), value: z.unknown() })),
      z.record(z.string(), z.unknown()),
    ]),
  }),
  examples: [{ title: "Label by input", flow: "id: labels\nnamespace: company.team\ntasks:\n  - id: label\n    type: core.Labels\n    labels:\n      customer: acme\n" }],
  async update(_ctx, props) {
    return { labels: labelsOf(props.labels) };
  },
});
