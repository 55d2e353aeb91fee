import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { getJson, query } from "../api/client";
import { useNamespaces } from "../api/hooks";
import type { Flow, Page } from "../api/types";
import { ErrorBanner, formatDate, Labels, Pager } from "../components/common";

const SIZE = 25;

/** every flow, searched on the server by namespace and text (id or namespace); labels filter the page shown */
export default function FlowsPage() {
  const [params, setParams] = useSearchParams();
  const namespace = params.get("namespace") ?? "";
  const q = params.get("q") ?? "";
  const page = Number(params.get("page") ?? 1);
  const [label, setLabel] = useState("");
  const namespaces = useNamespaces();
  const flows = useQuery({
    queryKey: ["flows", namespace, q, page],
    queryFn: () => getJson<Page<Flow>>(`flows/search${query({ namespace, q, page, size: SIZE })}`),
    placeholderData: (previous) => previous,
  });
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== "page") next.delete("page");
    setParams(next, { replace: true });
  };
  const labelled = (flow: Flow) => {
    if (!label) return true;
    const list = Array.isArray(flow.labels) ? flow.labels : Object.entries(flow.labels ?? {}).map(([key, value]) => ({ key, value }));
    return list.some((l) => `${l.key}:${l.value}`.toLowerCase().includes(label.toLowerCase()));
  };
  return (
    <>
      <div className="page-head">
        <h1>Flows</h1>
        <span className="spacer" />
        <Link to="/flows/new">
          <button className="primary">New flow</button>
        </Link>
      </div>
      <div className="toolbar">
        <label>
          Search
          <input type="search" placeholder="id or namespace" value={q} onChange={(e) => set("q", e.target.value)} aria-label="Search flows" />
        </label>
        <label>
          Namespace
          <select value={namespace} onChange={(e) => set("namespace", e.target.value)} aria-label="Namespace">
            <option value="">all</option>
            {namespaces.data?.map((n) => (
              <option key={n.id}>{n.id}</option>
            ))}
          </select>
        </label>
        <label>
          Label
          <input placeholder="key:value" value={label} onChange={(e) => setLabel(e.target.value)} aria-label="Label filter" />
        </label>
      </div>
      <ErrorBanner error={flows.error} />
      <table className="table">
        <thead>
          <tr>
            <th>Flow</th>
            <th>Namespace</th>
            <th>Labels</th>
            <th>Triggers</th>
            <th>Revision</th>
            <th>Updated</th>
          </tr>
        </thead>
        <tbody>
          {flows.data?.results.filter(labelled).map((flow) => (
            <tr key={`${flow.namespace}.${flow.id}`}>
              <td>
                <Link to={`/flows/${flow.namespace}/${flow.id}`}>{flow.id}</Link>
                {flow.disabled && <span className="muted"> (disabled)</span>}
                {flow.description && <div className="muted">{flow.description}</div>}
              </td>
              <td>
                <Link to={`/namespaces/${flow.namespace}`}>{flow.namespace}</Link>
              </td>
              <td>
                <Labels labels={flow.labels} />
              </td>
              <td>{flow.triggers?.map((t) => t.id).join(", ")}</td>
              <td>{flow.revision}</td>
              <td>{formatDate(flow.updated)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {flows.data && flows.data.total === 0 && <p className="empty">No flow matches. Create one with “New flow”.</p>}
      {flows.data && <Pager page={page} size={SIZE} total={flows.data.total} onPage={(p) => set("page", String(p))} />}
    </>
  );
}
