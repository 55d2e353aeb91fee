import { defineTask, schema, z } from "@ferry/sdk";
import { handlers, HANDLER_LISTS } from "./task-list.schema.js";

const dagTask = z.strictObject({
  task: z.looseObject({ id: z.string(), type: z.string() }),
  dependsOn: z.array(z.string()).optional().describe("ids of tasks of this Dag that must have ended before this one starts"),
});

/**
 * Kestra's DagTaskValidation: every dependency is a task of the same Dag, and no task
 * depends on itself through a chain. Refused at deploy, with the task's path.
 */
function checkGraph(tasks: Array<z.infer<typeof dagTask>>, ctx: z.RefinementCtx): void {
  const ids = new Set(tasks.map((t) => t.task.id));
  const dependencies = new Map(tasks.map((t) => [t.task.id, t.dependsOn ?? []]));
  tasks.forEach((t, i) => {
    const unknown = (t.dependsOn ?? []).filter((id) => !ids.has(id));
    if (unknown.length) ctx.addIssue({ code: "custom", path: ["tasks", i, "dependsOn"], message: `Not existing task id in dependency: ${unknown.join(", ")} (task '${t.task.id}' depends on a task that is not in this Dag)` });
  });
  // a depth-first walk from each task: reaching it again is a cycle
  const cyclic = tasks.filter((t) => {
    const seen = new Set<string>();
    const stack = [...(t.dependsOn ?? [])];
    while (stack.length) {
      const id = stack.pop()!;
      if (id === t.task.id) return true;
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(dependencies.get(id) ?? []));
    }
    return false;
  });
  if (cyclic.length) {
    const first = tasks.indexOf(cyclic[0]);
    ctx.addIssue({ code: "custom", path: ["tasks", first, "dependsOn"], message: `Cyclic dependency detected: ${cyclic.map((t) => t.task.id).join(", ")}` });
  }
}

export const dagTaskDefinition = defineTask({
  kind: "flowable",
  type: "core.Dag",
  aliases: ["io.kestra.plugin.core.flow.Dag", "io.kestra.core.tasks.flows.Dag"],
  title: "Run tasks in the order their dependencies give",
  description:
    "Each entry of `tasks` is a `task` and the ids of the entries it `dependsOn`; a task starts once those ended, in parallel with the others (`concurrent` caps how many run at once, 0 = all). `onChildFailure` CANCELLED or FAILED stops the tasks still running once one failed. A dependency on a task outside the Dag, or a cycle, is refused at deploy.",
  properties: z
    .strictObject({
      tasks: z.array(dagTask).min(1),
      concurrent: schema.int({ min: 0 }).default(0),
      // Kestra's OnChildFailure is CONTINUE, CANCEL or FAIL; its Dag documents and tests CANCELLED and FAILED: both are read
      onChildFailure: z
        .enum(["CONTINUE", "CANCEL", "CANCELLED", "FAIL", "FAILED"])
        .default("CONTINUE")
        .describe("CONTINUE: the other tasks run to their end; CANCELLED / FAILED: once a task failed with no retry left, the tasks still running end in that state and none starts"),
      ...handlers,
    })
    .superRefine((props, ctx) => checkGraph(props.tasks, ctx)),
  taskProperties: ["tasks", ...HANDLER_LISTS],
  taskLists(spec) {
    const lists: Array<[Array<string | number>, unknown[]]> = [];
    if (Array.isArray(spec.tasks)) spec.tasks.forEach((entry, i) => entry && typeof entry === "object" && "task" in entry && lists.push([["tasks", i, "task"], [entry.task]]));
    for (const key of HANDLER_LISTS) if (Array.isArray(spec[key])) lists.push([[key], spec[key] as unknown[]]);
    return lists;
  },
  examples: [
    {
      title: "Two branches joined",
      flow: "id: dag\nnamespace: company.team\ntasks:\n  - id: dag\n    type: core.Dag\n    tasks:\n      - task: { id: a, type: core.Log, message: a }\n      - task: { id: b, type: core.Log, message: b }\n        dependsOn: [a]\n      - task: { id: c, type: core.Log, message: c }\n        dependsOn: [a]\n      - task: { id: d, type: core.Log, message: d }\n        dependsOn: [b, c]\n",
    },
  ],
  async plan(_ctx, props) {
    return {
      branches: props.tasks.map((t, i) => ({ path: ["tasks", String(i), "task"], ...(t.dependsOn?.length ? { dependsOn: t.dependsOn } : {}) })),
      concurrency: props.concurrent,
      ...(props.onChildFailure !== "CONTINUE" ? { stopSiblings: props.onChildFailure.startsWith("CANCEL") ? ("CANCELLED" as const) : ("FAILED" as const) } : {}),
    };
  },
});
