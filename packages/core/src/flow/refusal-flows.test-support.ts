import { parse, stringify } from "yaml";
import type { PluginRegistry } from "../plugins/registry.js";
import type { PropertyRow } from "./support-table.js";

/** a flow that carries one refused property, and where the parser must say so */
export interface RefusalCase {
  name: string;
  source: string;
  /** the property's path and line, and the parser's words, as a 422 lists them */
  expected: { path: string; line: number; message: string };
}

/** a value the property refuses: anything for a refused one, anything but Kestra's default for an `only` one */
function refusedValue(row: PropertyRow): unknown {
  if (row.status !== "only") return "x";
  const allowed = row.only![0];
  return typeof allowed === "boolean" ? !allowed : typeof allowed === "number" ? allowed + 1 : "SOMETHING_ELSE";
}

const head = (n: number) => `id: refused-${n}\nnamespace: strict.refused\n`;
const LOG = "tasks:\n  - { id: log, type: core.Log, message: hi }\n";
/** what an input of each type needs besides id and type */
const INPUT_NEEDS: Record<string, string> = {
  SELECT: "    values: [a, b]\n",
  MULTISELECT: "    values: [a, b]\n",
  ENUM: "    values: [a, b]\n",
  ARRAY: "    itemType: STRING\n",
  OBJECT: "    properties:\n      - { id: p, type: STRING }\n",
  TABLE: "    columns:\n      - { id: c, type: STRING }\n",
};

/**
 * One flow per refused (or Kestra's-default-only) property of the support table, with the
 * property written where it belongs: what shows each refusal at its path and line, through
 * the parser, the API and the CLI alike.
 */
export function refusalCases(rows: PropertyRow[], registry: PluginRegistry): RefusalCase[] {
  const cases: RefusalCase[] = [];
  for (const row of rows.filter((r) => r.status === "refused" || r.status === "only")) {
    const n = cases.length + 1;
    const value = JSON.stringify(refusedValue(row));
    const at = (source: string, path: string) => {
      const lines = source.split("\n");
      const line = lines.findIndex((l) => l.trimStart().startsWith(`${row.property}: `)) + 1;
      return { name: `${n}-${row.scope.kind}${"inputType" in row.scope ? `-${row.scope.inputType}` : ""}${"taskType" in row.scope ? `-${row.scope.taskType}` : ""}-${row.property}`, source, expected: { path, line, message: row.note } };
    };
    const { scope, property } = row;
    if (scope.kind === "flow") cases.push(at(`${head(n)}${property}: ${value}\n${LOG}`, property));
    if (scope.kind === "task") cases.push(at(`${head(n)}tasks:\n  - id: log\n    type: core.Log\n    message: hi\n    ${property}: ${value}\n`, `tasks[0].${property}`));
    if (scope.kind === "retry") {
      cases.push(at(`${head(n)}tasks:\n  - id: log\n    type: core.Log\n    message: hi\n    retry:\n      type: constant\n      interval: PT1S\n      ${property}: ${value}\n`, `tasks[0].retry.${property}`));
    }
    if (scope.kind === "trigger") cases.push(at(`${head(n)}${LOG}triggers:\n  - id: hook\n    type: core.trigger.Webhook\n    key: k\n    ${property}: ${value}\n`, `triggers[0].${property}`));
    if (scope.kind === "output") cases.push(at(`${head(n)}${LOG}outputs:\n  - id: o\n    type: STRING\n    value: v\n    ${property}: ${value}\n`, `outputs[0].${property}`));
    if (scope.kind === "input") {
      cases.push(at(`${head(n)}inputs:\n  - id: i\n    type: ${scope.inputType}\n${INPUT_NEEDS[scope.inputType] ?? ""}    ${property}: ${value}\n${LOG}`, `inputs[0].${property}`));
    }
    if (scope.kind === "taskType") {
      // the task as its plugin's own example writes it, with the property added last
      const definition = registry.task(scope.taskType)!;
      const example = (definition.examples ?? []).map((e) => parse(e.flow) as { tasks: Array<Record<string, unknown>> }).find((flow) => flow.tasks?.some((t) => registry.task(String(t.type)) === definition));
      if (!example) throw new Error(`${scope.taskType} has no example flow to build a refusal case from`);
      const task = example.tasks.find((t) => registry.task(String(t.type)) === definition)!;
      const index = example.tasks.indexOf(task);
      task[property] = refusedValue(row);
      const source = `${head(n)}${stringify({ tasks: example.tasks.map((t) => ({ ...t, id: t === task ? t.id : `other${example.tasks.indexOf(t)}` })) })}`;
      cases.push(at(source, `tasks[${index}].${property}`));
    }
  }
  return cases;
}
