import { defineTask, KV_TYPES, schema, UserError, z } from "@ferry/sdk";
import { renderTyped } from "./render-typed.js";

const namespace = z.string().min(1).optional();
const errorOnMissing = schema.bool().default(false);

/** Kestra's words for a missing key with errorOnMissing (Get, Delete; GetTest and DeleteTest assert them) */
const missingKey = (key: string, namespace: string) => `No value found for key '${key}' in namespace '${namespace}' and \`errorOnMissing\` is set to true`;

export const kvSetTask = defineTask({
  kind: "runnable",
  type: "core.kv.Set",
  aliases: ["io.kestra.plugin.core.kv.Set"],
  title: "Set a KV pair",
  description: "Stores `value` under `key` in the namespace's KV store (the flow's, or a parent's); a `value` that is one expression (`{{ inputs.map }}`) keeps its value's type, as Kestra's renderTyped. `kvType` types it (inferred otherwise); `ttl` makes it expire; `overwrite: false` fails when the key exists.",
  properties: z.strictObject({
    key: z.string().min(1),
    value: z.unknown(),
    namespace,
    overwrite: schema.bool().default(true),
    ttl: schema.duration().optional(),
    kvType: z.enum(KV_TYPES as [string, ...string[]]).optional(),
    kvDescription: schema.notYet("kvDescription", "a KV pair has no description in Ferry"),
  }),
  // Kestra renders `value` typed: `{{ inputs.map }}` stores the map, `{{ 1 + 2 }}` the number (SetTest.shouldSetKVGivenNoNamespace)
  rawProperties: ["value"],
  examples: [{ title: "Remember the last run", flow: "id: remember\nnamespace: company.team\ntasks:\n  - id: set\n    type: io.kestra.plugin.core.kv.Set\n    key: last_run\n    value: \"{{ execution.startDate ?? 'now' }}\"\n    ttl: P30D\n" }],
  async run(ctx, props) {
    await ctx.kv.set(props.key, await renderTyped(ctx, props.value), { namespace: props.namespace, type: props.kvType, ttl: props.ttl, overwrite: props.overwrite });
  },
});

export const kvGetTask = defineTask({
  kind: "runnable",
  type: "core.kv.Get",
  aliases: ["io.kestra.plugin.core.kv.Get"],
  title: "Get a KV pair",
  description: "Outputs `value` stored under `key` (null when missing, or a failure with `errorOnMissing`).",
  properties: z.strictObject({ key: z.string().min(1), namespace, errorOnMissing }),
  outputs: z.object({ value: z.unknown() }),
  async run(ctx, props) {
    const found = await ctx.kv.get(props.key, { namespace: props.namespace });
    if (!found && props.errorOnMissing) throw new UserError(missingKey(props.key, props.namespace ?? ctx.execution.namespace));
    return { value: found?.value ?? null };
  },
});

export const kvGetKeysTask = defineTask({
  kind: "runnable",
  type: "core.kv.GetKeys",
  aliases: ["io.kestra.plugin.core.kv.GetKeys"],
  title: "List KV keys",
  description: "Outputs `keys`: the namespace's keys starting with `prefix` (an empty list when none).",
  properties: z.strictObject({ prefix: z.string().default(""), namespace }),
  outputs: z.object({ keys: z.array(z.string()) }),
  async run(ctx, props) {
    return { keys: await ctx.kv.keys(props.prefix, { namespace: props.namespace }) };
  },
});

export const kvDeleteTask = defineTask({
  kind: "runnable",
  type: "core.kv.Delete",
  aliases: ["io.kestra.plugin.core.kv.Delete"],
  title: "Delete a KV pair",
  description: "Deletes `key`; outputs `deleted` (false when there was none, or a failure with `errorOnMissing`).",
  properties: z.strictObject({ key: z.string().min(1), namespace, errorOnMissing }),
  outputs: z.object({ deleted: z.boolean() }),
  async run(ctx, props) {
    const deleted = await ctx.kv.delete(props.key, { namespace: props.namespace });
    if (!deleted && props.errorOnMissing) throw new UserError(missingKey(props.key, props.namespace ?? ctx.execution.namespace));
    return { deleted };
  },
});
