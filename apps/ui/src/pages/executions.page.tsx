import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { sendJson } from "../api/client";
import { useExecutionSearch, useNamespaces } from "../api/hooks";
import { EXECUTION_STATES, TERMINAL } from "../api/types";
import { ErrorBanner, formatDate, formatDuration, Labels, Pager, spanOf, StateBadge } from "../components/common";
import { toIso } from "../components/input-field";

/** executions, filtered and paginated on the server, refreshed every 2 s; select some to kill or restart them at once */
export function ExecutionTable({ fixed = {} }: { fixed?: { namespace?: string; flowId?: string } }) {
  const [params, setParams] = useSearchParams();
  const get = (key: string) => params.get(key) ?? "";
  const filters = {
    namespace: fixed.namespace ?? get("namespace"),
    flowId: fixed.flowId ?? get("flowId"),
    state: params.getAll("state"),
    labels: params.getAll("labels"),
    startDate: get("startDate") ? toIso(get("startDate")) : undefined,
    endDate: get("endDate") ? toIso(get("endDate")) : undefined,
    page: Number(get("page") || 1),
    size: Number(get("size") || 25),
  };
  const [live, setLive] = useState(true);
  const executions = useExecutionSearch(filters, live);
  const namespaces = useNamespaces();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [outcome, setOutcome] = useState<string>();
  const [error, setError] = useState<unknown>();
  const queryClient = useQueryClient();
  const set = (key: string, values: string[]) => {
    const next = new URLSearchParams(params);
    next.delete(key);
    for (const v of values) if (v) next.append(key, v);
    if (key !== "page") next.delete("page");
    setParams(next, { replace: true });
  };
  const rows = executions.data?.results ?? [];
  const bulk = async (action: "kill" | "restart" | "resume") => {
    setError(undefined);
    try {
      const ids = [...selected];
      const result = action === "kill" ? await sendJson<{ count: number }>("DELETE", "executions/kill/by-ids", ids) : await sendJson<{ count: number }>("POST", `executions/${action}/by-ids`, ids);
      setOutcome(`${{ kill: "Killing", restart: "Restarted", resume: "Resumed" }[action]} ${result.count} execution${result.count === 1 ? "" : "s"}`);
      setSelected(new Set());
      await queryClient.invalidateQueries({ queryKey: ["executions"] });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <>
      <div className="toolbar">
        {!fixed.namespace && (
          <label>
            Namespace
            <select value={filters.namespace} onChange={(e) => set("namespace", [e.target.value])} aria-label="Namespace">
              <option value="">all</option>
              {namespaces.data?.map((n) => (
                <option key={n.id}>{n.id}</option>
              ))}
            </select>
          </label>
        )}
        {!fixed.flowId && (
          <label>
            Flow
            <input value={filters.flowId} onChange={(e) => set("flowId", [e.target.value])} placeholder="flow id" aria-label="Flow id" />
          </label>
        )}
        <label>
          State
          <select value={filters.state[0] ?? ""} onChange={(e) => set("state", [e.target.value])} aria-label="State">
            <option value="">any</option>
            {EXECUTION_STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Label
          <input defaultValue={filters.labels[0] ?? ""} onBlur={(e) => set("labels", [e.target.value])} onKeyDown={(e) => e.key === "Enter" && set("labels", [e.currentTarget.value])} placeholder="key:value" aria-label="Label" />
        </label>
        <label>
          Started after
          <input type="datetime-local" value={get("startDate")} onChange={(e) => set("startDate", [e.target.value])} aria-label="Started after" />
        </label>
        <label>
          Ended before
          <input type="datetime-local" value={get("endDate")} onChange={(e) => set("endDate", [e.target.value])} aria-label="Ended before" />
        </label>
        <label className="inline">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> live
        </label>
      </div>
      <div className="toolbar">
        <button className="danger" disabled={!selected.size} onClick={() => bulk("kill")}>
          Kill selected
        </button>
        <button disabled={!selected.size} onClick={() => bulk("restart")}>
          Restart selected
        </button>
        <button disabled={!selected.size} onClick={() => bulk("resume")} title="PAUSED executions go on, without onResume inputs">
          Resume selected
        </button>
        {outcome && (
          <span role="status" className="muted">
            {outcome}
          </span>
        )}
      </div>
      <ErrorBanner error={error ?? executions.error} />
      <table className="table" data-testid="executions">
        <thead>
          <tr>
            <th>
              <input
                type="checkbox"
                aria-label="Select all on this page"
                checked={rows.length > 0 && rows.every((r) => selected.has(r.id))}
                onChange={(e) => setSelected(new Set(e.target.checked ? rows.map((r) => r.id) : []))}
              />
            </th>
            <th>Id</th>
            <th>Flow</th>
            <th>State</th>
            <th>Started</th>
            <th>Duration</th>
            <th>Labels</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((e) => {
            const { start, end } = spanOf(e.state, TERMINAL);
            return (
              <tr key={e.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select ${e.id}`}
                    checked={selected.has(e.id)}
                    onChange={(ev) => {
                      const next = new Set(selected);
                      if (ev.target.checked) next.add(e.id);
                      else next.delete(e.id);
                      setSelected(next);
                    }}
                  />
                </td>
                <td className="mono">
                  <Link to={`/executions/${e.id}`}>{e.id.slice(0, 13)}…</Link>
                </td>
                <td>
                  <Link to={`/flows/${e.namespace}/${e.flowId}`}>{e.flowId}</Link>
                  <div className="muted">{e.namespace}</div>
                </td>
                <td>
                  <StateBadge state={e.state.current} />
                </td>
                <td>{formatDate(e.state.histories[0]?.date)}</td>
                <td>{formatDuration(end - start)}</td>
                <td>
                  <Labels labels={e.labels} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {executions.data?.total === 0 && <p className="empty">No execution matches.</p>}
      {executions.data && (
        <div className="row" style={{ justifyContent: "flex-end" }}>
          <select value={filters.size} onChange={(e) => set("size", [e.target.value])} aria-label="Page size">
            {[25, 50, 100].map((n) => (
              <option key={n} value={n}>
                {n} a page
              </option>
            ))}
          </select>
          <Pager page={filters.page} size={filters.size} total={executions.data.total} estimated={executions.data.totalEstimated} onPage={(p) => set("page", [String(p)])} />
        </div>
      )}
    </>
  );
}

export default function ExecutionsPage() {
  return (
    <>
      <div className="page-head">
        <h1>Executions</h1>
      </div>
      <ExecutionTable />
    </>
  );
}
