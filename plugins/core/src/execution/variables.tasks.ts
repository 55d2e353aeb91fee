import { defineTask, schema, UserError, z } from "@ferry/sdk";

type Vars = Record<string, unknown>;
const isMap = (v: unknown): v is Vars => v !== null && typeof v === "object" && !Array.isArray(v);

/** Kestra's MapUtils.deepMerge: nested maps merge key by key, anything else is replaced */
function deepMerge(base: Vars, over: Vars): Vars {
  const out: Vars = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = isMap(out[key]) && isMap(value) ? deepMerge(out[key] as Vars, value) : value;
  return out;
}

export const setVariablesTask = defineTask({
  kind: "execution",
  type: "core.SetVariables",
  aliases: ["io.kestra.plugin.core.execution.SetVariables"],
  title: "Set execution variables",
  description:
    "Renders `variables` and merges them into the execution's variables (`vars`, the flow's `variables` to start with), nested maps key by key; the tasks after this one read them. With `overwrite: false`, a key that already exists fails the task.",
  properties: z.strictObject({
    variables: z.record(z.string(), z.unknown()),
    overwrite: schema.bool().default(true),
  }),
  examples: [
    {
      title: "Set then read",
      flow: "id: vars\nnamespace: company.team\nvariables:\n  name: World\ntasks:\n  - id: set\n    type: core.SetVariables\n    variables:\n      message: Hello\n  - id: hello\n    type: core.Log\n    message: \"{{ vars.message }} {{ vars.name }}\"\n",
    },
  ],
  async update(ctx, props) {
    if (!props.overwrite) {
      const duplicated = Object.keys(props.variables).filter((key) => key in ctx.variables);
      if (duplicated.length) throw new UserError(`\`overwrite\` is set to false and the following variables already exist: ${duplicated.join(",")}`);
    }
    return { variables: deepMerge(ctx.variables, props.variables) };
  },
});

export const unsetVariablesTask = defineTask({
  kind: "execution",
  type: "core.UnsetVariables",
  aliases: ["io.kestra.plugin.core.execution.UnsetVariables"],
  title: "Remove execution variables",
  description:
    "Removes each of `variables` (a key, or a dotted path into nested maps) from the execution's variables. A key that does not exist fails the task unless `ignoreMissing`.",
  properties: z.strictObject({
    variables: z.array(schema.text()).min(1),
    ignoreMissing: schema.bool().default(false),
  }),
  examples: [{ title: "Forget a value", flow: "id: unset\nnamespace: company.team\nvariables:\n  token: abc\ntasks:\n  - id: forget\n    type: core.UnsetVariables\n    variables: [token]\n" }],
  async update(ctx, props) {
    const variables = structuredClone(ctx.variables);
    for (const key of props.variables) {
      const parts = key.split(".");
      let level: unknown = variables;
      for (const part of parts.slice(0, -1)) level = isMap(level) ? level[part] : undefined;
      const last = parts[parts.length - 1];
      if (!isMap(level) || !(last in level)) {
        if (props.ignoreMissing) continue;
        throw new UserError(`variable '${key}' does not exist (set ignoreMissing to go on without it)`);
      }
      delete level[last];
    }
    return { variables };
  },
});
