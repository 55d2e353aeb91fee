import { connectionPropertiesOf } from "@ferry/sdk";
import type { PluginRegistry } from "../plugins/registry.js";
import type { Flow, TaskSpec } from "./flow.types.js";
import { isLiteral } from "./literal-inputs.js";
import type { Path } from "./source-map.js";
import { childTaskLists } from "./task-tree.js";

/** a task property naming a connection by a literal id (`connection: main_db`) */
export interface ConnectionUse {
  path: Path;
  taskId: string;
  property: string;
  /** the connection type the property takes */
  connectionType: string;
  id: string;
}

/** every connection-typed property, at any depth, whose id is written out (a template is the run's to check) */
export function connectionUses(flow: Flow, registry: PluginRegistry): ConnectionUse[] {
  const uses: ConnectionUse[] = [];
  const walk = (tasks: unknown[], base: Path) => {
    for (const [i, task] of (tasks as TaskSpec[]).entries()) {
      const def = registry.task(task.type);
      if (!def) continue;
      for (const [property, connectionType] of Object.entries(connectionPropertiesOf(def.properties))) {
        const id = (task as Record<string, unknown>)[property];
        if (typeof id === "string" && isLiteral(id)) uses.push({ path: [...base, i, property], taskId: task.id, property, connectionType, id });
      }
      for (const [sub, list] of childTaskLists(def, task)) walk(list, [...base, i, ...sub]);
    }
  };
  for (const key of ["tasks", "errors", "finally"] as const) walk(flow[key] ?? [], [key]);
  return uses;
}
