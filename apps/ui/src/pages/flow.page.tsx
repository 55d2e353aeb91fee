import { lazy, Suspense } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useFlow, useFlowGraph } from "../api/hooks";
import { ErrorBanner, Labels, Tabs } from "../components/common";
import { Topology } from "../components/topology";
import { ExecutionTable } from "./executions.page";

const FlowEditor = lazy(() => import("./flow-editor"));
const Revisions = lazy(() => import("./flow-revisions"));
const RunForm = lazy(() => import("./run-form"));

const TABS: Array<[string, string]> = [
  ["topology", "Topology"],
  ["edit", "Edit"],
  ["run", "Run"],
  ["executions", "Executions"],
  ["revisions", "Revisions"],
];

export default function FlowPage() {
  const { namespace = "", id = "", tab = "topology" } = useParams();
  const navigate = useNavigate();
  const flow = useFlow(namespace, id);
  const graph = useFlowGraph(namespace, id);
  return (
    <>
      <div className="crumbs">
        <Link to="/flows">Flows</Link> / <Link to={`/namespaces/${namespace}`}>{namespace}</Link>
      </div>
      <div className="page-head">
        <h1>{id}</h1>
        {flow.data && <span className="muted">revision {flow.data.revision}</span>}
        {flow.data?.disabled && <span className="badge">disabled</span>}
        <Labels labels={flow.data?.labels} />
        <span className="spacer" />
        <button className="primary" onClick={() => navigate(`/flows/${namespace}/${id}/run`)}>
          Run
        </button>
      </div>
      {flow.data?.description && <p className="muted">{flow.data.description}</p>}
      <Tabs tabs={TABS} active={tab} onChange={(t) => navigate(`/flows/${namespace}/${id}/${t}`)} />
      <ErrorBanner error={flow.error} />
      <Suspense fallback={<div className="loading">Loading…</div>}>
        {tab === "topology" && (graph.data ? <Topology graph={graph.data} /> : <ErrorBanner error={graph.error} />)}
        {tab === "edit" && flow.data && <FlowEditor flow={flow.data} />}
        {tab === "run" && flow.data && <RunForm flow={flow.data} />}
        {tab === "executions" && <ExecutionTable fixed={{ namespace, flowId: id }} />}
        {tab === "revisions" && <Revisions namespace={namespace} id={id} />}
      </Suspense>
    </>
  );
}
