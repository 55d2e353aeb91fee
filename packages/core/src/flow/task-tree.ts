import type { TaskDefinition } from "@ferry/sdk";
import type { TaskSpec } from "./flow.types.js";

/**
 * The child task lists a flowable task declares, with their property paths:
 * `tasks` → [["tasks"], [...]], `cases` (a map of lists) → [["cases","gold"], [...]].
 */
export function childTaskLists(def: TaskDefinition, spec: TaskSpec): Array<[Array<string | number>, unknown[]]> {
  if (def.kind !== "flowable") return [];
  if (def.taskLists) return def.taskLists(spec);
  const out: Array<[Array<string | number>, unknown[]]> = [];
  for (const key of def.taskProperties) {
    const value = spec[key];
    if (Array.isArray(value)) out.push([[key], value]);
    // one task where a list would be (Pause's onPause): a task names its type
    else if (value && typeof value === "object" && typeof (value as { type?: unknown }).type === "string") out.push([[key], [value]]);
    else if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) if (Array.isArray(v)) out.push([[key, k], v]);
    }
  }
  return out;
}

/**
 * Resolves a branch path (`["then"]`, `["cases", "gold"]`, `["tasks", "2"]`) to the task list it
 * names. With the registry, a list the flowable makes itself (its `taskLists`, such as
 * ForEachItem's steps) is found by its path too.
 */
export function tasksAtPath(spec: TaskSpec, path: string[], registry?: { task(type: string): TaskDefinition | undefined }): TaskSpec[] {
  const def = registry?.task(spec.type);
  if (def?.kind === "flowable" && def.taskLists) {
    const made = def.taskLists(spec).find(([at]) => at.map(String).join("/") === path.join("/"));
    if (made) return made[1] as TaskSpec[];
  }
  let value: unknown = spec;
  for (const part of path) {
    if (value === null || typeof value !== "object") return [];
    value = (value as Record<string, unknown>)[part];
  }
  if (Array.isArray(value)) return value as TaskSpec[];
  if (value && typeof value === "object") return [value as TaskSpec];
  return [];
}

/** Finds a task anywhere in a flow's task tree by id. */
export function findTask(lists: Array<TaskSpec[] | undefined>, id: string, registry: { task(type: string): TaskDefinition | undefined }): TaskSpec | undefined {
  for (const list of lists) {
    for (const task of list ?? []) {
      if (task.id === id) return task;
      const def = registry.task(task.type);
      if (!def) continue;
      const found = findTask(childTaskLists(def, task).map(([, l]) => l as TaskSpec[]), id, registry);
      if (found) return found;
    }
  }
  return undefined;
}
