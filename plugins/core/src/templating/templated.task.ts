import { defineTask, UserError, z } from "@ferry/sdk";
import { parse } from "yaml";

const TYPE = "core.templating.TemplatedTask";
const ALIASES = ["io.kestra.plugin.core.templating.TemplatedTask", "io.kestra.core.tasks.templating.TemplatedTask"];

export const templatedTask = defineTask({
  kind: "runnable",
  type: TYPE,
  aliases: ALIASES,
  title: "Run a task from a templated spec",
  description:
    "Renders `spec`, a YAML task declaration with `type` and the task's properties, and runs that task here with its outputs as this task's. " +
    "The task must be runnable (a flowable or subflow type fails, as in Kestra) and may not be a TemplatedTask. Its properties are what the render gave: they are not rendered a second time.",
  properties: z.strictObject({ spec: z.string().min(1) }),
  examples: [
    {
      title: "Choose the log level at run time",
      flow: "id: templated\nnamespace: company.team\ninputs:\n  - id: level\n    type: STRING\n    defaults: WARN\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.templating.TemplatedTask\n    spec: |\n      type: io.kestra.plugin.core.log.Log\n      level: {{ inputs.level }}\n      message: hello\n",
    },
  ],
  async run(ctx, props) {
    let spec: unknown;
    try {
      // a rendered spec may carry data from outside: the yaml library's key check is quadratic (a map of 20,000 keys held
      // the worker 4.7 s), and Kestra reads it with its JSON mapper, which keeps the last of a key written twice
      spec = parse(props.spec, { uniqueKeys: false });
    } catch (error) {
      throw new UserError(`spec is not YAML: ${(error as Error).message}`, { cause: error });
    }
    if (!spec || typeof spec !== "object" || Array.isArray(spec)) throw new UserError("spec must be a YAML map: a task's type and properties");
    const type = (spec as Record<string, unknown>).type;
    if (type === TYPE || ALIASES.includes(String(type))) throw new UserError(`The templated task cannot be of type '${String(type)}'`);
    return ctx.runTask(spec as Record<string, unknown>);
  },
});
