import { defineTask, schema, z } from "@ferry/sdk";
import { iterationValues, valuesOf } from "./for-each.task.js";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

// Kestra's older loops, still in many flows: ForEach with a fixed concurrency

export const eachSequentialTask = defineTask({
  kind: "flowable",
  type: "core.EachSequential",
  aliases: ["io.kestra.plugin.core.flow.EachSequential", "io.kestra.core.tasks.flows.EachSequential"],
  title: "Run tasks for each value, one value at a time",
  description: "Kestra's deprecated EachSequential: ForEach with `concurrencyLimit: 1`.",
  properties: z.strictObject({ value: iterationValues(), tasks: taskList().min(1), ...handlers }),
  taskProperties: ["tasks", ...HANDLER_LISTS],
  async plan(_ctx, props) {
    return { branches: valuesOf(props.value).map((value) => ({ path: ["tasks"], value })), concurrency: 1 };
  },
});

export const eachParallelTask = defineTask({
  kind: "flowable",
  type: "core.EachParallel",
  aliases: ["io.kestra.plugin.core.flow.EachParallel", "io.kestra.core.tasks.flows.EachParallel"],
  title: "Run tasks for each value, in parallel",
  description: "Kestra's deprecated EachParallel: ForEach with `concurrencyLimit` = `concurrent` (0 = all at once).",
  properties: z.strictObject({ value: iterationValues(), concurrent: schema.int({ min: 0 }).default(0), tasks: taskList().min(1), ...handlers }),
  taskProperties: ["tasks", ...HANDLER_LISTS],
  async plan(_ctx, props) {
    return { branches: valuesOf(props.value).map((value) => ({ path: ["tasks"], value })), concurrency: props.concurrent };
  },
});
