import { defineTask, schema, UserError, z } from "@ferry/sdk";
import { handlers, HANDLER_LISTS, taskList } from "./task-list.schema.js";

export const switchTask = defineTask({
  kind: "flowable",
  type: "core.Switch",
  aliases: ["io.kestra.plugin.core.flow.Switch", "io.kestra.core.tasks.flows.Switch"],
  title: "Choose a branch by value",
  description: "Runs the `cases` entry whose key equals the rendered `value`, or `defaults`; with neither, the task fails.",
  properties: z
    .strictObject({ value: schema.text(), cases: z.record(z.string(), taskList()).optional(), defaults: taskList().nullish().describe("tasks run when no case matches; `null` is the same as none (Kestra's switch-impossible test flow writes it)"), ...handlers })
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
 * Kestra's SwitchTaskValidator, in its words: some branch has tasks, no case is an empty list,
 * and `defaults`, when given, is not one (FlowTest.switchTaskInvalid, switch-empty-*-invalid.yaml).
 */
function checkBranches(props: { cases?: Record<string, unknown[]>; defaults?: unknown[] | null }, ctx: z.RefinementCtx): void {
  const cases = Object.entries(props.cases ?? {});
  if (!cases.length && !props.defaults?.length) {
    ctx.addIssue({ code: "custom", path: [], message: "No task defined, neither cases or default have any tasks" });
    return;
  }
  const empty = cases.find(([, tasks]) => !tasks.length);
  if (empty) ctx.addIssue({ code: "custom", path: ["cases", empty[0]], message: `The case '${empty[0]}' must define at least one task.` });
  else if (props.defaults && !props.defaults.length) ctx.addIssue({ code: "custom", path: ["defaults"], message: "The 'defaults' property cannot be empty." });
}
