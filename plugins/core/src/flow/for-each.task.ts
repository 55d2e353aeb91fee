import { defineTask, schema, UserError, z } from "@ferry/sdk";
import { taskList } from "./task-list.schema.js";

/**
 * The iteration values: a list or a JSON array string. Kestra keeps string items as they
 * are, serialises others, and drops duplicates.
 */
export function valuesOf(raw: unknown): string[] {
  return [...new Set(rawValues(raw).map((v) => (typeof v === "string" ? v : JSON.stringify(v))))];
}

function rawValues(raw: unknown): unknown[] {
  if (Array.isArray(raw)) return raw;
  if (typeof raw === "string") {
    try {
      const parsed = JSON.parse(raw);
      if (Array.isArray(parsed)) return parsed;
    } catch {
      // fall through to the error below
    }
  }
  throw new UserError("ForEach 'values' must be a list or a JSON array string");
}

export const forEachTask = defineTask({
  kind: "flowable",
  type: "core.ForEach",
  aliases: ["io.kestra.plugin.core.flow.ForEach"],
  title: "Run tasks for each value",
  description:
    "Runs `tasks` once per value; children see the value as `{{ taskrun.value }}`. `concurrencyLimit`: 1 (default) runs values one at a time, 0 all at once.",
  properties: z.strictObject({ values: z.union([z.array(z.unknown()), z.string()]), concurrencyLimit: schema.int({ min: 0 }).default(1), tasks: taskList().min(1) }),
  taskProperties: ["tasks"],
  examples: [{ title: "Loop", flow: "id: loop\nnamespace: company.team\ntasks:\n  - id: each\n    type: core.ForEach\n    values: [a, b]\n    tasks:\n      - id: log\n        type: core.Log\n        message: \"{{ taskrun.value }}\"\n" }],
  async plan(_ctx, props) {
    return { branches: valuesOf(props.values).map((value) => ({ path: ["tasks"], value })), concurrency: props.concurrencyLimit };
  },
});
