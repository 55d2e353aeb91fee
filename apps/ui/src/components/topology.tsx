import { Background, Controls, ReactFlow, type Edge, type Node, type NodeProps, Handle, Position } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import ELK, { type ElkNode } from "elkjs/lib/elk.bundled.js";
import { useEffect, useState } from "react";
import { Link } from "react-router";
import type { FlowGraph, GraphNode } from "../api/types";
import { useTheme } from "./theme-toggle";

const elk = new ELK();
const NODE_W = 190;
const NODE_H = 46;
const DOT = 16;

const shortType = (type?: string) => type?.split(".").pop() ?? "";

interface TaskData extends Record<string, unknown> {
  node: GraphNode;
  state?: string;
}

function TaskNode({ data }: NodeProps<Node<TaskData>>) {
  const { node, state } = data;
  return (
    <div className="graph-node" data-task-id={node.taskId} data-state={state ?? ""} style={{ ["--node-color" as string]: state ? `var(--${state})` : undefined, opacity: node.disabled ? 0.5 : 1 }}>
      <Handle type="target" position={Position.Left} />
      <div>
        <strong>{node.taskId}</strong> {state && <span className="badge" style={{ background: `var(--${state})` }}>{state}</span>}
      </div>
      <div className="type">
        {node.type === "trigger" ? "trigger · " : ""}
        {shortType(node.taskType)}
        {node.subflow && (
          <>
            {" → "}
            <Link to={`/flows/${node.subflow.namespace}/${node.subflow.flowId}`}>{node.subflow.flowId}</Link>
          </>
        )}
      </div>
      <Handle type="source" position={Position.Right} />
    </div>
  );
}

function DotNode({ data }: NodeProps<Node<{ label: string }>>) {
  return (
    <div className="graph-dot" title={data.label}>
      <Handle type="target" position={Position.Left} style={{ opacity: 0 }} />
      <Handle type="source" position={Position.Right} style={{ opacity: 0 }} />
    </div>
  );
}

function ClusterNode({ data }: NodeProps<Node<{ label: string }>>) {
  return (
    <div className="graph-cluster">
      <div className="cluster-title">{data.label}</div>
    </div>
  );
}

const nodeTypes = { task: TaskNode, dot: DotNode, cluster: ClusterNode };

/** the ELK graph: clusters are compound nodes holding their members, so the layout nests them */
function elkGraph(graph: FlowGraph): ElkNode {
  const parentOf = new Map<string, string>();
  for (const c of graph.clusters) {
    for (const n of c.nodes) parentOf.set(n, c.cluster.uid);
    if (c.parents.length) parentOf.set(c.cluster.uid, c.parents[c.parents.length - 1]);
  }
  const elkNodes = new Map<string, ElkNode>();
  const root: ElkNode = { id: "root", layoutOptions: { "elk.algorithm": "layered", "elk.direction": "RIGHT", "elk.hierarchyHandling": "INCLUDE_CHILDREN", "elk.layered.spacing.nodeNodeBetweenLayers": "40", "elk.spacing.nodeNode": "18" }, children: [], edges: [] };
  const big = (n: GraphNode) => n.type === "task" || n.type === "trigger";
  for (const c of graph.clusters) elkNodes.set(c.cluster.uid, { id: c.cluster.uid, children: [], layoutOptions: { "elk.padding": "[top=24,left=12,bottom=12,right=12]" } });
  for (const n of graph.nodes) elkNodes.set(n.uid, { id: n.uid, width: big(n) ? NODE_W : DOT, height: big(n) ? NODE_H : DOT });
  for (const [id, node] of elkNodes) {
    const parent = parentOf.get(id);
    (parent ? elkNodes.get(parent)! : root).children!.push(node);
  }
  root.edges = graph.edges.map((e, i) => ({ id: `e${i}`, sources: [e.source], targets: [e.target] }));
  return root;
}

const clusterLabel = (c: FlowGraph["clusters"][number]) => (c.cluster.type === "flowable" ? c.cluster.taskId ?? "" : c.cluster.type);

/**
 * The flow's topology from `GET /flows/{ns}/{id}/graph`, laid out by ELK (layered, nested
 * clusters for flowable tasks, errors and finally), drawn by React Flow; with `states`
 * (task id → state) each task is coloured as its execution runs.
 */
export function Topology({ graph, states }: { graph: FlowGraph; states?: Record<string, string> }) {
  const [laid, setLaid] = useState<{ nodes: Node[]; edges: Edge[] }>();
  const theme = useTheme();
  useEffect(() => {
    let live = true;
    void elk.layout(elkGraph(graph)).then((result) => {
      if (!live) return;
      const byUid = new Map(graph.nodes.map((n) => [n.uid, n]));
      const clusters = new Map(graph.clusters.map((c) => [c.cluster.uid, c]));
      const nodes: Node[] = [];
      const visit = (parent: ElkNode, parentId?: string) => {
        for (const child of parent.children ?? []) {
          const position = { x: child.x ?? 0, y: child.y ?? 0 };
          const common = { id: child.id, position, ...(parentId ? { parentId, extent: "parent" as const } : {}), draggable: false, selectable: false };
          const cluster = clusters.get(child.id);
          if (cluster) {
            nodes.push({ ...common, type: "cluster", data: { label: clusterLabel(cluster) }, style: { width: child.width, height: child.height }, zIndex: -1 });
            visit(child, child.id);
          } else {
            const n = byUid.get(child.id)!;
            if (n.type === "task" || n.type === "trigger") nodes.push({ ...common, type: "task", data: { node: n } });
            else nodes.push({ ...common, type: "dot", data: { label: n.type } });
          }
        }
      };
      visit(result);
      const edges: Edge[] = graph.edges.map((e, i) => ({
        id: `e${i}`,
        source: e.source,
        target: e.target,
        label: e.relation.value,
        animated: e.relation.relationType === "PARALLEL",
        style: e.relation.relationType === "ERROR" ? { stroke: "var(--FAILED)" } : e.relation.relationType === "FINALLY" ? { stroke: "var(--muted)", strokeDasharray: "4 3" } : undefined,
      }));
      setLaid({ nodes, edges });
    });
    return () => {
      live = false;
    };
  }, [graph]);
  if (!laid) return <div className="topology loading">Laying out…</div>;
  const nodes = states
    ? laid.nodes.map((n) => (n.type === "task" ? { ...n, data: { ...n.data, state: states[(n.data as TaskData).node.taskId ?? ""] } } : n))
    : laid.nodes;
  return (
    <div className="topology" data-testid="topology">
      <ReactFlow nodes={nodes} edges={laid.edges} nodeTypes={nodeTypes} fitView fitViewOptions={{ maxZoom: 1.1 }} proOptions={{ hideAttribution: true }} nodesConnectable={false} colorMode={theme}>
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
