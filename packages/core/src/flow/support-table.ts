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

/** where a property is written: the flow, every task, a task's retry, every trigger, an output, an input of a type, a task of a type */
export type PropertyScope =
  | { kind: "flow" | "task" | "retry" | "trigger" | "output" }
  | { kind: "input"; inputType: string }
  | { kind: "taskType"; taskType: string };

export interface PropertyRow {
  scope: PropertyScope;
  property: string;
  /** `honoured`, `ignored` (only where Kestra ignores it too), `refused`, or `only` Kestra's default value */
  status: "honoured" | "ignored" | "refused" | "only";
  /** for `only`: the values accepted */
  only?: unknown[];
  /** the parser's own words for a refusal; what a property means, otherwise */
  note: string;
}

/** how a refusing schema (z.never, or z.literal of Kestra's default, with an error) answers, when it is one */
function refusal(schema: z.ZodType): Pick<PropertyRow, "status" | "only" | "note"> | undefined {
  let def = defOf(schema);
  while ((def.type === "optional" || def.type === "default") && def.innerType) def = defOf(def.innerType);
  const error = def.error as ((issue: unknown) => unknown) | undefined;
  const message = typeof error === "function" ? error({ code: "invalid_type", input: Symbol("any") }) : undefined;
  const text = typeof message === "string" ? message : (message as { message?: string } | undefined)?.message;
  if (def.type === "never") return { status: "refused", note: text ?? "" };
  if (def.type === "literal" && text) return { status: "only", only: def.values, note: text };
  return undefined;
}

/** one row per property of a shape: honoured, ignored, or refused with the parser's own words */
function rowsOf(scope: PropertyScope, shape: Record<string, z.ZodType> | undefined): PropertyRow[] {
  return Object.entries(shape ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([property, schema]): PropertyRow => {
      // a description says what an accepted spelling means, even where the schema refuses what is left of it
      const refused = schema.description ? undefined : refusal(schema);
      if (refused) return { scope, property, ...refused };
      // a property accepted without effect says so in its description (`ignored: …`)
      const note = schema.description ?? "";
      return note.startsWith("ignored:") ? { scope, property, status: "ignored", note: note.slice("ignored:".length).trim() } : { scope, property, status: "honoured", note };
    });
}

function markdownRow(row: PropertyRow): string {
  const cell = (text: string) => text.replace(/\|/g, "\\|");
  if (row.status === "only") return `| \`${row.property}\` | only ${row.only!.map((v) => `\`${String(v)}\``).join(", ")} | ${cell(`Kestra's default; ${row.note}`)} |`;
  if (row.status === "honoured") return `| \`${row.property}\` | honoured |${row.note ? ` ${cell(row.note)} ` : " "}|`;
  return `| \`${row.property}\` | ${row.status} | ${cell(row.note)} |`;
}

function section(title: string, rows: PropertyRow[]): string {
  if (!rows.length) return "";
  return [`## ${title}`, "", "| property | in Ferry | note |", "| --- | --- | --- |", ...rows.map(markdownRow), ""].join("\n");
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

/** the sections of the table: a title, and the rows of one scope */
function sections(registry: PluginRegistry, taskTypes: string[]): Array<[string, PropertyRow[]]> {
  return [
    ["Flow", rowsOf({ kind: "flow" }, objectShape(flowSchema))],
    ["Every task", rowsOf({ kind: "task" }, objectShape(taskSchema))],
    ["Task `retry`", rowsOf({ kind: "retry" }, objectShape(retrySchema))],
    ["Every trigger", rowsOf({ kind: "trigger" }, objectShape(triggerSchema))],
    ["Outputs", rowsOf({ kind: "output" }, objectShape(outputSchema))],
    ...inputTypes().map(([type, shape]): [string, PropertyRow[]] => [`Inputs of type ${type}`, rowsOf({ kind: "input", inputType: type }, shape)]),
    ...taskTypes.flatMap((type): Array<[string, PropertyRow[]]> => {
      const definition = registry.task(type);
      // a flowable's own step is never written in a flow: it has no properties of its own to list
      if (!definition || definition.internal) return [];
      const kestra = (definition.aliases ?? []).map((a) => `\`${a}\``).join(", ") || "none";
      return [[`Task \`${definition.type}\` (Kestra: ${kestra})`, rowsOf({ kind: "taskType", taskType: definition.type }, objectShape(definition.properties))]];
    }),
  ];
}

/**
 * Every property of the table, with where it is written and what Ferry does with it: what
 * a test walks to show each refusal through the API and the CLI.
 */
export function propertyRows(registry: PluginRegistry, taskTypes: string[]): PropertyRow[] {
  return sections(registry, taskTypes).flatMap(([, rows]) => rows);
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
    ...sections(registry, taskTypes).map(([title, rows]) => section(title, rows)),
  ];
  return `${parts.join("\n").replace(/\n{3,}/g, "\n\n").trimEnd()}\n`;
}
