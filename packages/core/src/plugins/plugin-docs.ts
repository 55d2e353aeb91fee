import type { TaskDefinition, TriggerDefinition } from "@ferry/sdk";
import { propertiesSchema } from "./json-schema.js";

type Schema = Record<string, unknown>;

const typeOf = (s: Schema): string => {
  if (s.enum) return (s.enum as unknown[]).map((v) => JSON.stringify(v)).join(" \\| ");
  if (s.anyOf) return (s.anyOf as Schema[]).map(typeOf).join(" or ");
  if (s.type === "array") return `list of ${s.items ? typeOf(s.items as Schema) : "values"}`;
  return String(s.type ?? "any");
};
const cell = (text: unknown) => String(text ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");

/** a Markdown page for one task or trigger type, from its own definition */
export function pluginDocPage(def: TaskDefinition | TriggerDefinition, what: "task" | "trigger"): string {
  const schema = propertiesSchema(def.properties);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const rows = Object.entries((schema.properties as Record<string, Schema> | undefined) ?? {}).map(
    ([name, p]) => `| \`${name}\` | ${cell(typeOf(p))} | ${required.has(name) ? "yes" : ""} | ${p.default === undefined ? "" : `\`${cell(JSON.stringify(p.default))}\``} | ${cell(p.description)} |`,
  );
  const lines = [`# ${def.type}`, "", `${def.title} (${what}).`, ""];
  if (def.aliases?.length) lines.push(`Also: ${def.aliases.map((a) => `\`${a}\``).join(", ")}.`, "");
  if (def.description) lines.push(def.description, "");
  lines.push("## Properties", "", "| name | type | required | default | description |", "| --- | --- | --- | --- | --- |", ...(rows.length ? rows : ["| — | | | | |"]), "");
  const outputs = "outputs" in def && def.outputs ? propertiesSchema(def.outputs) : undefined;
  if (outputs?.properties) {
    lines.push("## Outputs", "", "| name | type |", "| --- | --- |");
    for (const [name, p] of Object.entries(outputs.properties as Record<string, Schema>)) lines.push(`| \`${name}\` | ${cell(typeOf(p))} |`);
    lines.push("");
  }
  for (const example of ("examples" in def ? def.examples : undefined) ?? []) lines.push(`## Example: ${example.title}`, "", "```yaml", example.flow.trimEnd(), "```", "");
  return lines.join("\n");
}
