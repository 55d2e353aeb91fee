import { defineTask, z } from "@ferry/sdk";

/** An example task: rename it, change its properties, and make run() do the work. */
export const helloTask = defineTask({
  kind: "runnable",
  type: "acme.Hello",
  title: "Say hello",
  description: "Logs a greeting and returns it as the output `greeting`.",
  // properties arrive rendered ({{ inputs.x }} already replaced) and are checked by this
  // schema; strict, so that a misspelt property is refused at deploy instead of being ignored
  properties: z.strictObject({
    name: z.string().min(1).default("World"),
    shout: z.boolean().default(false),
  }),
  outputs: z.object({ greeting: z.string() }),
  examples: [
    {
      title: "Greet the flow's input",
      flow: `id: hello
namespace: company.team
inputs:
  - { id: who, type: STRING, defaults: Ferry }
tasks:
  - id: hello
    type: acme.Hello
    name: "{{ inputs.who }}"
`,
    },
  ],
  async run(ctx, props) {
    const greeting = props.shout ? `HELLO ${props.name.toUpperCase()}!` : `Hello ${props.name}`;
    ctx.logger.info(greeting);
    return { greeting };
  },
});
