import { defineTask, z } from "@ferry/sdk";

/** Kestra 1.x spells it CANCELLED; its earlier ExitState said CANCELED, which flows still carry */
const EXIT_STATES = ["SUCCESS", "WARNING", "KILLED", "FAILED", "CANCELLED", "CANCELED"] as const;

export const exitTask = defineTask({
  kind: "execution",
  type: "core.Exit",
  aliases: ["io.kestra.plugin.core.execution.Exit"],
  title: "End the execution in a given state",
  description:
    "Ends the execution now in `state` (SUCCESS by default, WARNING, FAILED, CANCELLED — or Kestra's older spelling CANCELED — or KILLED); this task and the tasks enclosing it end in that state too. Tasks still running elsewhere (another parallel branch) are stopped only with KILLED, which kills the execution as a kill request does.",
  properties: z.strictObject({
    state: z.enum(EXIT_STATES, { error: `state is one of ${EXIT_STATES.join(", ")}` }).default("SUCCESS"),
  }),
  examples: [
    {
      title: "Stop early",
      flow: "id: exit\nnamespace: company.team\ntasks:\n  - id: stop\n    type: core.Exit\n    state: WARNING\n  - id: never\n    type: core.Log\n    message: not reached\n",
    },
  ],
  async update(_ctx, props) {
    return { exit: props.state === "CANCELED" ? "CANCELLED" : props.state };
  },
});
