import { defineTask, schema, stringifyJson, UserError, z } from "@ferry/sdk";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

/**
 * The iteration values: a list or a JSON array string. Kestra keeps string items as they
 * are, serialises others, and drops duplicates.
 */
export function valuesOf(raw: unknown): string[] {
  const values = rawValues(raw);
  // Kestra's FlowableUtils.resolveEachTasks refuses null values rather than iterating over "null"
  const nulls = values.filter((v) => v === null || v === undefined).length;
  if (nulls) throw new UserError(`Found '${nulls}' null values on Each, with values=${JSON.stringify(values)}`);
  // Jackson's text of anything else: a Double written 1.0 stays `1.0`
  return [...new Set(values.map((v) => (typeof v === "string" ? v : stringifyJson(v))))];
}

/** a list, or a template rendering to a JSON array: checked once rendered (valuesOf) */
export const iterationValues = () => z.custom<unknown>((v) => v !== undefined && v !== null, "the values to iterate over are required (a list or a JSON array)");

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
  throw new UserError(`ForEach 'values' must be a list or a JSON array string, not ${raw === null || raw === undefined ? "null" : JSON.stringify(raw).slice(0, 100)}`);
}

export const forEachTask = defineTask({
  kind: "flowable",
  type: "core.ForEach",
  aliases: ["io.kestra.plugin.core.flow.ForEach"],
  title: "Run tasks for each value",
  description:
    "Runs `tasks` once per value; its own children see the value as `{{ taskrun.value }}`, tasks nested deeper (in a Sequential, an If…) as `{{ parent.taskrun.value }}`. `concurrencyLimit`: 1 (default) runs values one at a time, 0 all at once.",
  properties: z.strictObject({ values: iterationValues(), concurrencyLimit: schema.int({ min: 0 }).default(1), tasks: taskList().min(1), ...handlers }),
  taskProperties: ["tasks", ...HANDLER_LISTS],
  examples: [{ title: "Loop", flow: "id: loop\nnamespace: company.team\ntasks:\n  - id: each\n    type: core.ForEach\n    values: [a, b]\n    tasks:\n      - id: log\n        type: core.Log\n        message: \"{{ taskrun.value }}\"\n" }],
  async plan(_ctx, props) {
    return { branches: valuesOf(props.values).map((value) => ({ path: ["tasks"], value })), concurrency: props.concurrencyLimit };
  },
});
