import { childTaskLists, type Flow, type PluginRegistry, type TaskSpec } from "@ferry/core";

/**
 * A flow's topology in Kestra's FlowGraph shape (`GET /api/v1/flows/{namespace}/{id}/graph`):
 * nodes, edges with a relation, and clusters for flowable tasks. A flowable task is a cluster
 * holding the task's own node, its children and an end node; flow-level `errors` and `finally`
 * are clusters of their own, as Kestra draws them.
 */
export type RelationType = "SEQUENTIAL" | "PARALLEL" | "CHOICE" | "ERROR" | "FINALLY";
export type GraphNodeType = "start" | "end" | "task" | "trigger" | "cluster-end";

export interface GraphNode {
  uid: string;
  type: GraphNodeType;
  taskId?: string;
  /** the task's or trigger's type, as written */
  taskType?: string;
  kind?: "runnable" | "flowable" | "subflow" | "execution";
  /** a Subflow task's target, when it is written as plain text */
  subflow?: { namespace: string; flowId: string };
  disabled?: boolean;
}
export interface GraphEdge {
  source: string;
  target: string;
  relation: { relationType: RelationType; value?: string };
}
export interface GraphCluster {
  cluster: { uid: string; taskId?: string; type: "flowable" | "errors" | "finally" | "triggers" };
  nodes: string[];
  parents: string[];
  start: string;
  end: string;
}
export interface FlowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  clusters: GraphCluster[];
}

const literal = (value: unknown): value is string => typeof value === "string" && !value.includes("{{");

export function flowGraph(flow: Flow, registry: PluginRegistry): FlowGraph {
  const graph: FlowGraph = { nodes: [], edges: [], clusters: [] };
  const edge = (source: string, target: string, relationType: RelationType, value?: string) =>
    graph.edges.push({ source, target, relation: value === undefined ? { relationType } : { relationType, value } });

  /**
   * the nodes of one task inside the clusters `parents`; returns its entry and exit uids and
   * the uids it added at its parent's level (none for a flowable: its nodes are in its own cluster)
   */
  const taskNodes = (task: TaskSpec, prefix: string, parents: string[]): { entry: string; exit: string; uids: string[] } => {
    const uid = `${prefix}.${task.id}`;
    const def = registry.task(task.type);
    const node: GraphNode = { uid, type: "task", taskId: task.id, taskType: task.type, kind: def?.kind, ...(task.disabled ? { disabled: true } : {}) };
    if (def?.kind === "subflow" && literal(task.namespace) && literal(task.flowId)) node.subflow = { namespace: task.namespace, flowId: task.flowId };
    graph.nodes.push(node);
    const branches = def ? childTaskLists(def, task) : [];
    if (!branches.length) return { entry: uid, exit: uid, uids: [uid] };
    const end = `${uid}.end`;
    graph.nodes.push({ uid: end, type: "cluster-end", taskId: task.id });
    const inside = [...parents, `cluster_${uid}`];
    const members = [uid, end];
    const main = branches.filter(([path]) => path[0] !== "errors" && path[0] !== "finally");
    const parallel = /Parallel$/.test(def!.type);
    const choice = main.length > 1;
    for (const [path, list] of branches) {
      const relation: RelationType = path[0] === "errors" ? "ERROR" : path[0] === "finally" ? "FINALLY" : choice ? "CHOICE" : parallel ? "PARALLEL" : "SEQUENTIAL";
      const value = choice && path[0] !== "errors" && path[0] !== "finally" ? path.join(".") : undefined;
      const tasks = list as TaskSpec[];
      if (parallel && relation === "PARALLEL") {
        for (const child of tasks) {
          const part = taskNodes(child, uid, inside);
          members.push(...part.uids);
          edge(uid, part.entry, relation);
          edge(part.exit, end, relation);
        }
      } else members.push(...chain(tasks, uid, inside, uid, end, relation, value));
    }
    graph.clusters.push({ cluster: { uid: `cluster_${uid}`, taskId: task.id, type: "flowable" }, nodes: members, parents, start: uid, end });
    return { entry: uid, exit: end, uids: [] };
  };

  /** tasks one after another from `from` to `to`; returns the uids they added at this level */
  const chain = (tasks: TaskSpec[], prefix: string, parents: string[], from: string, to: string, relation: RelationType, value?: string): string[] => {
    const uids: string[] = [];
    let previous = from;
    let first = true;
    for (const task of tasks) {
      const part = taskNodes(task, prefix, parents);
      uids.push(...part.uids);
      edge(previous, part.entry, first ? relation : "SEQUENTIAL", first ? value : undefined);
      previous = part.exit;
      first = false;
    }
    edge(previous, to, tasks.length ? "SEQUENTIAL" : relation, tasks.length ? undefined : value);
    return uids;
  };

  graph.nodes.push({ uid: "root.start", type: "start" }, { uid: "root.end", type: "end" });
  if (flow.triggers?.length) {
    const uids = flow.triggers.map((trigger) => {
      const uid = `root.Triggers.${trigger.id}`;
      graph.nodes.push({ uid, type: "trigger", taskId: trigger.id, taskType: trigger.type, ...(trigger.disabled ? { disabled: true } : {}) });
      edge(uid, "root.start", "SEQUENTIAL");
      return uid;
    });
    graph.clusters.push({ cluster: { uid: "cluster_root.Triggers", type: "triggers" }, nodes: uids, parents: [], start: uids[0], end: uids[uids.length - 1] });
  }
  const afterMain = flow.finally?.length ? "root.finally.start" : "root.end";
  if (flow.finally?.length) graph.nodes.push({ uid: "root.finally.start", type: "cluster-end" });
  chain(flow.tasks, "root", [], "root.start", afterMain, "SEQUENTIAL");
  for (const [key, relation] of [["errors", "ERROR"], ["finally", "FINALLY"]] as const) {
    const tasks = flow[key];
    if (!tasks?.length) continue;
    const uid = `cluster_root.${key}`;
    const from = key === "errors" ? "root.start" : "root.finally.start";
    const to = key === "errors" ? afterMain : "root.end";
    const nodes = chain(tasks, `root.${key}`, [uid], from, to, relation);
    graph.clusters.push({ cluster: { uid, type: key }, nodes, parents: [], start: `root.${key}.${tasks[0].id}`, end: `root.${key}.${tasks[tasks.length - 1].id}` });
  }
  return graph;
}
