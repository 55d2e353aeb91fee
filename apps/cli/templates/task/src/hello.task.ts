import { connectionProperty, defineTask, z } from "@ferry/sdk";

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
    // a connection of type acme (api.connection.ts): the flow names it, the task gets it resolved
    connection: connectionProperty<{ url: string; token: string }>("acme").optional(),
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
    const to = props.connection ? ` from ${props.connection.values.url}` : "";
    const greeting = props.shout ? `HELLO ${props.name.toUpperCase()}!${to}` : `Hello ${props.name}${to}`;
    ctx.logger.info(greeting);
    return { greeting };
  },
});
