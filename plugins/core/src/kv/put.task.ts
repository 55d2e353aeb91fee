import { defineTask, schema, UserError, z } from "@ferry/sdk";

/*
 * Kestra's kv.Put (io.kestra.plugin.core.kv.Put): updates a pair rather than replacing it. A map
 * is deep-merged into the map stored; a list of `{key, value}` entries sets JSON fields (dotted
 * keys reach nested ones); a single `{value}` entry replaces the whole value; anything else
 * replaces it. The pair keeps its expiry, as Kestra keeps its metadata.
 */

type Json = Record<string, unknown>;
const isMap = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Kestra's MapUtils.deepMerge: maps merge key by key, anything else from `b` wins; `a`'s key order is kept */
export function deepMerge(a: Json, b: Json): Json {
  const out: Json = { ...a };
  for (const [key, bv] of Object.entries(b)) out[key] = isMap(out[key]) && isMap(bv) ? deepMerge(out[key] as Json, bv) : bv;
  return out;
}

/** `{"a.b": 1}` → `{a: {b: 1}}` (Kestra's MapUtils.flattenToNestedMap) */
function nested(updates: Array<[string, unknown]>): Json {
  let out: Json = {};
  for (const [path, value] of updates) {
    const leaf = path.split(".").reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as Json;
    out = deepMerge(out, leaf);
  }
  return out;
}

/** a non-empty list whose items are all maps with `value` and at most `key` beside it */
function isEntryList(v: unknown): v is Array<{ key?: unknown; value: unknown }> {
  return Array.isArray(v) && v.length > 0 && v.every((item) => isMap(item) && "value" in item && Object.keys(item).every((k) => k === "key" || k === "value"));
}

function mergeEntries(existing: unknown, entries: Array<{ key?: unknown; value: unknown }>): unknown {
  const updates: Array<[string, unknown]> = [];
  for (const entry of entries) {
    if (!("key" in entry) || entry.key === null || entry.key === undefined) {
      if (entries.length > 1) throw new UserError("`value` entries without `key` can only be used as a single replacement item.");
      return entry.value;
    }
    if (typeof entry.key !== "string" || !entry.key.trim()) throw new UserError("Each keyed `value` entry must have a non-empty string `key`.");
    updates.push([entry.key, entry.value]);
  }
  const patch = nested(updates);
  if (existing === null || existing === undefined) return patch;
  if (!isMap(existing)) throw new UserError("Cannot apply keyed `value` updates to a non-JSON existing KV value.");
  return deepMerge(existing, patch);
}

/** the value Put stores, from the one stored (undefined: none) and the one given */
export function putValue(existing: unknown, value: unknown): unknown {
  if (isEntryList(value)) return mergeEntries(existing, value);
  if (isMap(existing) && isMap(value)) return deepMerge(existing, value);
  return value;
}

export const kvPutTask = defineTask({
  kind: "runnable",
  type: "core.kv.Put",
  aliases: ["io.kestra.plugin.core.kv.Put"],
  title: "Update a KV pair",
  description:
    "Updates `key` in the namespace's KV store (the flow's, or a parent's): a map is deep-merged into the stored map, a list of `{key, value}` entries sets JSON fields " +
    "(dotted keys reach nested ones), a single `{value}` entry replaces the whole value, anything else replaces it. The pair keeps its expiry. " +
    "A missing key is created, or fails the task with `errorOnMissing: true`.",
  properties: z.strictObject({
    key: z.string().min(1),
    value: z.custom<unknown>((v) => v !== undefined, "value is required"),
    namespace: z.string().min(1).optional(),
    errorOnMissing: schema.bool().default(false),
  }),
  examples: [
    {
      title: "Set JSON fields of a stored map",
      flow: "id: kv_put_json\nnamespace: company.team\ntasks:\n  - id: update_my_json\n    type: io.kestra.plugin.core.kv.Put\n    key: my-json-key\n    value:\n      - key: json-key-1\n        value: my new value\n      - key: nested.field\n        value: 123\n",
    },
  ],
  async run(ctx, props) {
    const current = await ctx.kv.get(props.key, { namespace: props.namespace });
    if (!current && props.errorOnMissing) {
      throw new UserError(`No value found for key '${props.key}' in namespace '${props.namespace ?? ctx.execution.namespace}' and \`errorOnMissing\` is set to true`);
    }
    await ctx.kv.set(props.key, putValue(current?.value, props.value), { namespace: props.namespace, keepExpiry: true });
  },
});
