import type { z } from "zod";
import type { PluginRegistry } from "../plugins/registry.js";
import { flowSchema, retrySchema, taskSchema, triggerSchema } from "./flow.schema.js";
import { inputSchema, outputSchema } from "./input.schema.js";

type Def = { type: string; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; shape?: Record<string, z.ZodType>; options?: z.ZodType[]; values?: unknown[]; error?: unknown; checks?: unknown[] };
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: Def } })._zod.def;

/** the object schema under optional, default, pipe (preprocess) wrappers */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  for (let inner = schema, i = 0; i < 10; i++) {
    const def = defOf(inner);
    if (def.type === "object") return def.shape;
    if (def.type === "pipe") inner = (defOf(def.in!).type === "transform" ? def.out : def.in)!;
    else if (def.innerType) inner = def.innerType;
    else return undefined;
  }
  return undefined;
}

/** how a refusing schema (z.never, or z.literal of Kestra's default, with an error) answers, when it is one */
function refusal(schema: z.ZodType): { status: string; note: string } | undefined {
  let def = defOf(schema);
  while ((def.type === "optional" || def.type === "default") && def.innerType) def = defOf(def.innerType);
  const error = def.error as ((issue: unknown) => unknown) | undefined;
  const message = typeof error === "function" ? error({ code: "invalid_type", input: Symbol("any") }) : undefined;
  const text = typeof message === "string" ? message : (message as { message?: string } | undefined)?.message;
  if (def.type === "never") return { status: "refused", note: text ?? "" };
  if (def.type === "literal" && text) return { status: `only ${def.values!.map((v) => `\`${String(v)}\``).join(", ")}`, note: `Kestra's default; ${text}` };
  return undefined;
}

/** one row per property: honoured, or refused with the parser's own words */
function rows(shape: Record<string, z.ZodType>): string[] {
  return Object.entries(shape)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, schema]) => {
      // a description says what an accepted spelling means, even where the schema refuses what is left of it
      const refused = schema.description ? undefined : refusal(schema);
      const cell = (text: string) => text.replace(/\|/g, "\\|");
      if (refused) return `| \`${key}\` | ${refused.status} | ${cell(refused.note)} |`;
      // a property accepted without effect says so in its description (`ignored: …`)
      const note = schema.description ?? "";
      return note.startsWith("ignored:") ? `| \`${key}\` | ignored | ${cell(note.slice("ignored:".length).trim())} |` : `| \`${key}\` | honoured |${note ? ` ${cell(note)} ` : " "}|`;
    });
}

function section(title: string, shape: Record<string, z.ZodType> | undefined): string {
  if (!shape) return "";
  return [`## ${title}`, "", "| property | in Ferry | note |", "| --- | --- | --- |", ...rows(shape), ""].join("\n");
}

/** the per-type branches of the input schema (a discriminated union under a preprocess step) */
function inputTypes(): Array<[string, Record<string, z.ZodType>]> {
  let def = defOf(inputSchema);
  if (def.type === "pipe") def = defOf(def.out!);
  return (def.options ?? []).map((option) => {
    const shape = objectShape(option)!;
    const type = defOf(shape.type);
    return [String(type.values?.[0] ?? "?"), shape];
  });
}

/**
 * What Ferry does with each property a Kestra flow may carry: honoured, or refused at deploy
 * with the reason. Generated from the parser's own schemas (and the loaded plugins' task
 * properties), so it cannot drift from what the server does; docs/kestra-properties.md is
 * this table, checked by a test.
 */
export function supportTable(registry: PluginRegistry, taskTypes: string[]): string {
  const parts = [
    "# Kestra's flow properties in Ferry",
    "",
    "Every property a flow may carry is honoured, or refused at deploy (422 with its path and line), or — only where Kestra ignores it",
    "too — ignored; none is accepted and silently dropped. An unknown property is refused. Generated from Ferry's schemas by",
    "`supportTable` (packages/core), checked by its test; rewrite it with `FERRY_WRITE_DOCS=1 npx vitest run support-table`.",
    "",
    section("Flow", objectShape(flowSchema)),
    section("Every task", objectShape(taskSchema)),
    section("Task `retry`", objectShape(retrySchema)),
    section("Every trigger", objectShape(triggerSchema)),
    section("Outputs", objectShape(outputSchema)),
    ...inputTypes().map(([type, shape]) => section(`Inputs of type ${type}`, shape)),
    ...taskTypes.map((type) => {
      const definition = registry.task(type);
      return definition ? section(`Task \`${definition.type}\` (Kestra: ${(definition.aliases ?? []).map((a) => `\`${a}\``).join(", ") || "none"})`, objectShape(definition.properties)) : "";
    }),
  ];
  return `${parts.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}
