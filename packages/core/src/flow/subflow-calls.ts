import type { PluginRegistry } from "../plugins/registry.js";
import type { Flow, TaskSpec } from "./flow.types.js";
import { childTaskLists } from "./task-tree.js";

export interface SubflowCall {
  namespace: string;
  flowId: string;
  /** the Subflow task's path in the flow (`tasks[1].then[0]` as segments) */
  path: Array<string | number>;
}

const literal = (value: unknown): value is string => typeof value === "string" && !/\{\{|\{%/.test(value);

/**
 * The flows a flow's Subflow tasks call, where the call is written out (a templated
 * namespace or flowId is known only at run time), in every task list at any depth.
 */
export function subflowCalls(flow: Pick<Flow, "tasks" | "errors" | "finally" | "afterExecution">, registry: PluginRegistry): SubflowCall[] {
  const calls: SubflowCall[] = [];
  const visit = (tasks: unknown[] | undefined, base: Array<string | number>) => {
    (tasks ?? []).forEach((raw, i) => {
      const task = raw as TaskSpec;
      const def = task && typeof task === "object" ? registry.task(task.type) : undefined;
      if (!def) return;
      const path = [...base, i];
      if (def.kind === "subflow" && literal(task.namespace) && literal(task.flowId)) calls.push({ namespace: task.namespace, flowId: task.flowId, path });
      for (const [sub, list] of childTaskLists(def, task)) visit(list, [...path, ...sub]);
    });
  };
  for (const key of ["tasks", "errors", "finally", "afterExecution"] as const) visit(flow[key], [key]);
  return calls;
}
