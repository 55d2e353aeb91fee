import type { PluginRegistry } from "../plugins/registry.js";
import { COMMON_TASK_KEYS, type Flow, type TaskSpec } from "./flow.types.js";
import { invalidFlowError } from "./invalid-flow.error.js";
import { isLiteral, literalInputProblems, type InputProblem } from "./literal-inputs.js";
import { parseFlow } from "./parse-flow.js";
import { formatPath, SourceMap, type Path } from "./source-map.js";
import { childTaskLists } from "./task-tree.js";
import { connectionUses } from "./connection-uses.js";

interface SubflowCall {
  path: Path;
  taskId: string;
  namespace: string;
  flowId: string;
  revision?: number;
  inputs: unknown;
}

/** every Subflow task at any depth whose target is written out (not templated) */
function subflowCalls(flow: Flow, registry: PluginRegistry): SubflowCall[] {
  const calls: SubflowCall[] = [];
  const walk = (tasks: unknown[], base: Path) => {
    for (const [i, task] of (tasks as TaskSpec[]).entries()) {
      const def = registry.task(task.type);
      if (!def) continue;
      if (def.kind === "subflow") {
        const props = Object.fromEntries(Object.entries(task).filter(([key]) => !COMMON_TASK_KEYS.has(key)));
        const parsed = def.properties.safeParse(props);
        const target = parsed.success ? def.target(parsed.data) : undefined;
        if (target && isLiteral(target.namespace) && isLiteral(target.flowId)) calls.push({ path: [...base, i], taskId: task.id, ...target });
      }
      for (const [sub, list] of childTaskLists(def, task)) walk(list, [...base, i, ...sub]);
    }
  };
  for (const key of ["tasks", "errors", "finally"] as const) walk(flow[key] ?? [], [key]);
  return calls;
}

/** the flow a Subflow names, as deployed; undefined when there is none (yet) */
export type FlowLookup = (namespace: string, flowId: string, revision?: number) => Promise<Flow | undefined>;

/** the connection a flow of `namespace` would use under `id` (its own or a parent's); undefined when there is none (yet) */
export type ConnectionLookup = (namespace: string, id: string) => Promise<{ namespace: string; type: string } | undefined>;

/**
 * A flow as a deploy takes it: parseFlow, then each Subflow's literal inputs checked against
 * its target flow's rules when the target exists (`lookup`; a Subflow of the flow itself
 * reads the version being deployed), and each connection a task names checked to be of the
 * type its property takes when it exists (`connections`). A target or a connection not there
 * yet is the run's to check. The same 422 as parseFlow, each problem with its path and line.
 */
export async function parseFlowForDeploy(source: string, registry: PluginRegistry, lookup: FlowLookup, connections?: ConnectionLookup): Promise<Flow> {
  const flow = parseFlow(source, registry);
  const problems: InputProblem[] = [];
  for (const call of subflowCalls(flow, registry)) {
    const itself = call.namespace === flow.namespace && call.flowId === flow.id && call.revision === undefined;
    const target = itself ? flow : await lookup(call.namespace, call.flowId, call.revision);
    if (!target) continue;
    for (const problem of literalInputProblems(target, call.inputs, [...call.path, "inputs"], `task '${call.taskId}'`)) {
      problems.push({ path: problem.path, message: `flow ${target.namespace}.${target.id}: ${problem.message}` });
    }
  }
  for (const use of connections ? connectionUses(flow, registry) : []) {
    const found = await connections!(flow.namespace, use.id);
    if (found && found.type !== use.connectionType) {
      problems.push({
        path: use.path,
        message: `task '${use.taskId}': connection ${use.id} (namespace ${found.namespace}) is of type ${found.type}; property ${use.property} takes a connection of type ${use.connectionType}`,
      });
    }
  }
  if (!problems.length) return flow;
  const lines = SourceMap.of(source);
  throw invalidFlowError(problems.map((p) => ({ path: formatPath(p.path), message: p.message, line: lines.line(p.path) })));
}

