import { assertNamespaceInScope, defineTask, schema, UserError, z } from "@ferry/sdk";

export const resumeTask = defineTask({
  kind: "execution",
  type: "core.execution.Resume",
  aliases: ["io.kestra.plugin.core.execution.Resume"],
  title: "Resume a paused execution",
  description:
    "Resumes a PAUSED execution: this one by default (a Pause in another branch), or `executionId`, of this flow unless `namespace` and `flowId` name " +
    "another (any namespace, or with `namespaces.isolation: tree` one on this namespace's branch), with `inputs` as its Pause's onResume inputs. The task fails when the execution cannot be " +
    "resumed (not PAUSED, an input wrong). `vars.resumedExecution` is then `{id, namespace, flowId}`.",
  properties: z
    .strictObject({
      executionId: schema.text().optional().describe("the execution to resume; this one by default"),
      namespace: schema.text().optional().describe("the namespace of its flow, with flowId; this flow's by default"),
      flowId: schema.text().optional().describe("its flow, with namespace; this flow by default"),
      inputs: z.record(z.string(), z.unknown()).optional().describe("the onResume inputs of its Pause"),
    })
    .refine((p) => (p.namespace === undefined) === (p.flowId === undefined), { error: "namespace and flowId name the flow together: give both or neither" }),
  examples: [
    {
      title: "Resume the execution that triggered this one",
      flow: 'id: approver\nnamespace: company.team\ntasks:\n  - id: resume\n    type: core.execution.Resume\n    executionId: "{{ trigger.executionId }}"\n    namespace: company.team\n    flowId: approval\n    inputs:\n      approved: true\n',
    },
  ],
  async update(ctx, props) {
    const { execution } = ctx;
    const namespace = props.namespace ?? execution.namespace;
    assertNamespaceInScope(execution.namespace, namespace, "executions");
    const executionId = props.executionId ?? execution.id;
    if (!executionId.trim()) throw new UserError("executionId rendered empty");
    const target = { id: executionId, namespace, flowId: props.flowId ?? execution.flowId };
    // Kestra's Resume sets the execution's variable resumedExecution
    return { resume: { executionId, namespace: target.namespace, flowId: target.flowId, ...(props.inputs ? { inputs: props.inputs } : {}) }, variables: { ...ctx.variables, resumedExecution: target } };
  },
});
