import type { PluginRegistry } from "../plugins/registry.js";
import type { Flow, TaskSpec } from "./flow.types.js";
import { childTaskLists } from "./task-tree.js";

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Kestra's FlowValidator refuses `{{ inputs.my-input }}`: Pebble reads a dash as a minus, so
 * the task would compute `inputs.my` minus `input`, never the input. Like Kestra, it looks for
 * that exact expression in any task (at any depth) of a flow with a dashed input id, and names
 * the tasks; `inputs['my-input']` is the way to read it.
 */
export function dashedInputReferences(flow: Pick<Flow, "inputs" | "tasks" | "errors" | "finally" | "afterExecution">, registry: PluginRegistry): string | undefined {
  const patterns = (flow.inputs ?? []).filter((input) => typeof input?.id === "string" && input.id.includes("-")).map((input) => new RegExp(`\\{\\{\\s*inputs\\.${escapeRegExp(input.id)}\\s*\\}\\}`));
  if (!patterns.length) return undefined;
  const offending: string[] = [];
  const visit = (tasks: unknown[] | undefined) => {
    for (const raw of tasks ?? []) {
      const task = raw as TaskSpec;
      if (!task || typeof task !== "object") continue;
      const text = JSON.stringify(task);
      if (patterns.some((pattern) => pattern.test(text))) offending.push(String(task.id));
      const def = registry.task(task.type);
      if (def) for (const [, list] of childTaskLists(def, task)) visit(list);
    }
  };
  for (const key of ["tasks", "errors", "finally", "afterExecution"] as const) visit(flow[key]);
  if (!offending.length) return undefined;
  return `Invalid input reference: use inputs[key-name] instead of inputs.key-name — keys with dashes require bracket notation, offending tasks: [${offending.join(", ")}]`;
}
