/**
 * Kestra's deprecated spellings, which Kestra still reads and so does Ferry: an input's
 * `name` for `id`, a MULTISELECT's `options` for `values`. The parser renames them before
 * the schema reads the input, so the zod schema only ever sees them when they disagree with
 * the property they stand for (and refuses that). The JSON Schema must offer them all the
 * same, or an editor would flag a flow the server takes: a property marked with this meta
 * key is written there with the type of the property it stands for, flagged `deprecated`,
 * and the object requires one of the two.
 */
export const DEPRECATED_SPELLING_OF = "x-ferry-deprecated-spelling-of";

type Schema = Record<string, unknown>;

/** a `z.toJSONSchema` override: rewrites each object whose properties include a deprecated spelling */
export function offerDeprecatedSpellings(ctx: { jsonSchema: object }): void {
  const schema = ctx.jsonSchema as Schema;
  const properties = schema.properties as Record<string, Schema | undefined> | undefined;
  if (!properties) return;
  const alternatives: Schema[] = [];
  for (const [key, property] of Object.entries(properties)) {
    const standsFor = property?.[DEPRECATED_SPELLING_OF];
    if (typeof standsFor !== "string" || !properties[standsFor]) continue;
    properties[key] = { ...properties[standsFor], description: property!.description, deprecated: true };
    const required = (schema.required as string[] | undefined) ?? [];
    if (required.includes(standsFor)) {
      schema.required = required.filter((name) => name !== standsFor);
      alternatives.push({ anyOf: [{ required: [standsFor] }, { required: [key] }] });
    }
  }
  if (alternatives.length === 1) Object.assign(schema, alternatives[0]);
  else if (alternatives.length > 1) schema.allOf = [...((schema.allOf as Schema[] | undefined) ?? []), ...alternatives];
}
