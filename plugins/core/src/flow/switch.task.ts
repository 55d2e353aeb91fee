import { defineTask, schema, UserError, z } from "@ferry/sdk";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

export const switchTask = defineTask({
  kind: "flowable",
  type: "core.Switch",
  aliases: ["io.kestra.plugin.core.flow.Switch", "io.kestra.core.tasks.flows.Switch"],
  title: "Choose a branch by value",
  description: "Runs the `cases` entry whose key equals the rendered `value`, or `defaults`; with neither, the task fails.",
  properties: z
    .strictObject({
      value: schema.text(),
      cases: z.record(z.string(), taskList().min(1, { error: (iss) => `The case '${String(iss.path?.[iss.path.length - 1])}' must define at least one task.` })).optional(),
      defaults: taskList().min(1, "The 'defaults' property cannot be empty.").nullish().describe("tasks run when no case matches; `null` is the same as none (Kestra's switch-impossible test flow writes it)"),
      ...handlers,
    })
    .superRefine(checkBranches),
  outputs: z.object({ value: z.string(), defaults: z.boolean() }),
  taskProperties: ["cases", "defaults", ...HANDLER_LISTS],
  examples: [{ title: "Route by tier", flow: "id: route\nnamespace: company.team\ninputs:\n  - id: tier\n    type: STRING\ntasks:\n  - id: route\n    type: core.Switch\n    value: \"{{ inputs.tier }}\"\n    cases:\n      gold:\n        - id: gold\n          type: core.Log\n          message: gold\n    defaults:\n      - id: other\n        type: core.Log\n        message: other\n" }],
  async plan(_ctx, props) {
    const matched = props.cases && Object.prototype.hasOwnProperty.call(props.cases, props.value);
    // Kestra's Switch finds no task to run: the task fails (WARNING with allowFailure)
    if (!matched && !props.defaults) throw new UserError(`no case matches the value '${props.value}' and there are no defaults`);
    const branches = matched ? [{ path: ["cases", props.value] }] : [{ path: ["defaults"] }];
    return { branches, concurrency: 1, outputs: { value: props.value, defaults: !matched } };
  },
});

/**
 * Kestra's SwitchTaskValidator, in its words (FlowTest.switchTaskInvalid): some branch has tasks.
 * An empty case or empty defaults are refused by the lists' own minimum, in its words too
 * (switch-empty-case-invalid.yaml, switch-empty-defaults-invalid.yaml), which the JSON Schema shows.
 */
function checkBranches(props: { cases?: Record<string, unknown[]>; defaults?: unknown[] | null }, ctx: z.RefinementCtx): void {
  if (!Object.keys(props.cases ?? {}).length && !props.defaults?.length) ctx.addIssue({ code: "custom", path: [], message: "No task defined, neither cases or default have any tasks" });
}
