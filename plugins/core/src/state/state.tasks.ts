import { defineTask, NotFoundError, schema, UserError, z, type RunContext } from "@ferry/sdk";
import { mergeMaps } from "./merge.js";
import { stateKey } from "./state-key.js";

/** what every state task takes (Kestra's AbstractState) */
const scope = {
  name: z.string().min(1).default("default"),
  namespace: schema.bool().default(false),
  taskrunValue: schema.bool().default(true),
};
type Scope = { name: string; namespace: boolean; taskrunValue: boolean };

const keyOf = (ctx: RunContext, props: Scope) =>
  stateKey({ flowId: ctx.execution.flowId, name: props.name, namespaceScoped: props.namespace, taskrunValue: props.taskrunValue ? ctx.taskRun.value : undefined });

async function readState(ctx: RunContext, key: string): Promise<Record<string, unknown> | undefined> {
  const found = await ctx.kv.get(key);
  if (!found) return undefined;
  const value = typeof found.value === "string" ? JSON.parse(found.value) : found.value;
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new UserError(`state ${key} does not hold a map`);
  return value as Record<string, unknown>;
}

const description =
  "Kestra's state store: a map kept in the namespace's KV store, for this flow (or, with `namespace: true`, for every flow of the namespace), per `name` and, " +
  "unless `taskrunValue: false`, per iteration value (`taskrun.value`).";

export const stateGetTask = defineTask({
  kind: "runnable",
  type: "core.state.Get",
  aliases: ["io.kestra.plugin.core.state.Get", "io.kestra.core.tasks.states.Get"],
  title: "Get a state",
  description: `${description} Outputs \`data\` and \`count\` (an empty map when there is none, or a failure with \`errorOnMissing\`).`,
  properties: z.strictObject({ ...scope, errorOnMissing: schema.bool().default(false) }),
  outputs: z.object({ count: z.number(), data: z.record(z.string(), z.unknown()) }),
  async run(ctx, props) {
    const key = await keyOf(ctx, props);
    const data = await readState(ctx, key);
    if (!data && props.errorOnMissing) throw new NotFoundError(`State ${key} not found`);
    return { count: Object.keys(data ?? {}).length, data: data ?? {} };
  },
});

export const stateSetTask = defineTask({
  kind: "runnable",
  type: "core.state.Set",
  aliases: ["io.kestra.plugin.core.state.Set", "io.kestra.core.tasks.states.Set"],
  title: "Set a state",
  description: `${description} Merges \`data\` into the stored map as Kestra does (a key given replaces the stored value; maps merge, lists join; a null keeps the stored value). Outputs \`count\` (keys after the merge) and \`key\` (the KV key). Not safe between concurrent executions, as in Kestra.`,
  properties: z.strictObject({ ...scope, data: z.record(z.string(), z.unknown()).default({}) }),
  outputs: z.object({ count: z.number(), key: z.string() }),
  async run(ctx, props) {
    const key = await keyOf(ctx, props);
    const merged = mergeMaps((await readState(ctx, key)) ?? {}, props.data);
    await ctx.kv.set(key, merged, { type: "JSON" });
    return { count: Object.keys(merged).length, key };
  },
});

export const stateDeleteTask = defineTask({
  kind: "runnable",
  type: "core.state.Delete",
  aliases: ["io.kestra.plugin.core.state.Delete", "io.kestra.core.tasks.states.Delete"],
  title: "Delete a state",
  description: `${description} Outputs \`deleted\` (false when there was none, or a failure with \`errorOnMissing\`).`,
  properties: z.strictObject({ ...scope, errorOnMissing: schema.bool().default(false) }),
  outputs: z.object({ deleted: z.boolean() }),
  async run(ctx, props) {
    const deleted = await ctx.kv.delete(await keyOf(ctx, props));
    if (!deleted && props.errorOnMissing) throw new NotFoundError(`Unable to find the state file '${props.name}'`);
    return { deleted };
  },
});
