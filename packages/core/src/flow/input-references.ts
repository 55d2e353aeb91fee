import type { PluginRegistry } from "../plugins/registry.js";
import { COMMON_TASK_KEYS, type Flow, type TaskSpec } from "./flow.types.js";
import type { Path } from "./source-map.js";
import { childTaskLists } from "./task-tree.js";

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

type FlowParts = Pick<Flow, "inputs" | "outputs" | "tasks" | "errors" | "finally" | "afterExecution">;

/** every task of the flow at any depth, with its path, parents before their children (Kestra's allTasksWithChilds) */
function allTasks(flow: FlowParts, registry: PluginRegistry): Array<{ task: TaskSpec; path: Path }> {
  const out: Array<{ task: TaskSpec; path: Path }> = [];
  const visit = (tasks: unknown[] | undefined, base: Path) => {
    for (const [i, raw] of (tasks ?? []).entries()) {
      const task = raw as TaskSpec;
      if (!task || typeof task !== "object") continue;
      out.push({ task, path: [...base, i] });
      const def = registry.task(task.type);
      if (def) for (const [subPath, list] of childTaskLists(def, task)) visit(list, [...base, i, ...subPath]);
    }
  };
  for (const key of ["tasks", "errors", "finally", "afterExecution"] as const) visit(flow[key], [key]);
  return out;
}

/**
 * The text Kestra's FlowValidator scans of a task (checkObjectFieldsWithPatterns): the fields its
 * class declares, not those every task inherits (description, runIf, retry, …), which it never reads.
 */
const scannedText = (task: TaskSpec) => JSON.stringify(Object.fromEntries(Object.entries(task).filter(([key]) => !COMMON_TASK_KEYS.has(key))));

/**
 * Kestra's FlowValidator refuses `{{ inputs.my-input }}`: Pebble reads a dash as a minus, so
 * the task would compute `inputs.my` minus `input`, never the input. Like Kestra, it looks for
 * that exact expression in any task (at any depth) of a flow with a dashed input id, and names
 * the tasks; `inputs['my-input']` is the way to read it.
 */
export function dashedInputReferences(flow: FlowParts, registry: PluginRegistry): string | undefined {
  const patterns = (flow.inputs ?? []).filter((input) => typeof input?.id === "string" && input.id.includes("-")).map((input) => new RegExp(`\\{\\{\\s*inputs\\.${escapeRegExp(input.id)}\\s*\\}\\}`));
  if (!patterns.length) return undefined;
  const offending = allTasks(flow, registry).filter(({ task }) => patterns.some((pattern) => pattern.test(scannedText(task))));
  if (!offending.length) return undefined;
  return `Invalid input reference: use inputs[key-name] instead of inputs.key-name — keys with dashes require bracket notation, offending tasks: [${offending.map(({ task }) => String(task.id)).join(", ")}]`;
}

/**
 * The same for task outputs (Kestra's FlowValidator, FlowValidationTest.outputUsageWithSubtractionSymbolFailValidation):
 * `{{ outputs.my-task.value }}` reads `outputs.my` minus `task.value`. Every task (at any depth) and
 * every flow output writing it for a dashed task id is named; `outputs['my-task'].value` is the way.
 * The problems come with the path of the first offending task and of each offending output.
 */
export function dashedOutputReferences(flow: FlowParts, registry: PluginRegistry): Array<{ path: Path; message: string }> {
  const tasks = allTasks(flow, registry);
  const patterns = tasks
    .filter(({ task }) => typeof task.id === "string" && task.id.includes("-"))
    .map(({ task }) => new RegExp(`\\{\\{\\s*outputs\\.${escapeRegExp(task.id)}\\.[^}]+\\s*\\}\\}`));
  if (!patterns.length) return [];
  const matches = (text: string) => patterns.some((pattern) => pattern.test(text));
  const advice = "Invalid output reference: use outputs[key-name] instead of outputs.key-name — keys with dashes require bracket notation";
  const problems: Array<{ path: Path; message: string }> = [];
  const offendingTasks = tasks.filter(({ task }) => matches(scannedText(task)));
  if (offendingTasks.length) problems.push({ path: offendingTasks[0].path, message: `${advice}, offending tasks: [${offendingTasks.map(({ task }) => String(task.id)).join(", ")}]` });
  const outputs = (flow.outputs ?? []).map((output, i) => ({ output, i })).filter(({ output }) => matches(JSON.stringify(output)));
  if (outputs.length) problems.push({ path: ["outputs", outputs[0].i], message: `${advice}, offending outputs: [${outputs.map(({ output }) => String(output.id)).join(", ")}]` });
  return problems;
}
