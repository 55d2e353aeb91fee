import { defineTask, schema, z } from "@ferry/sdk";

export const killTask = defineTask({
  kind: "execution",
  type: "core.Kill",
  aliases: ["io.kestra.plugin.core.execution.Kill"],
  title: "Kill the current execution",
  description:
    "Kills the execution it runs in: this task ends KILLED, no further task starts, tasks still running are stopped and the execution ends KILLED. With `propagateKill: true` every execution this one started as a subflow (waited on or not) is killed too; with false (the default) they are left running.",
  properties: z.strictObject({
    /** whether the executions this one started as subflows are killed with it */
    propagateKill: schema.bool().default(false),
  }),
  examples: [
    {
      title: "Kill on a condition",
      flow: "id: guarded\nnamespace: company.team\ninputs:\n  - id: stop\n    type: BOOLEAN\n    defaults: false\ntasks:\n  - id: kill\n    type: core.Kill\n    runIf: \"{{ inputs.stop }}\"\n  - id: work\n    type: core.Log\n    message: still running\n",
    },
  ],
  async update(_ctx, props) {
    return { exit: "KILLED", killChildren: props.propagateKill };
  },
});
