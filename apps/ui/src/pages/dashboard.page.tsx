import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { getJson, query, sendJson } from "../api/client";
import type { DailyStatistics, Execution, FlowStatistics, Page } from "../api/types";
import { runningTotal } from "../api/types";
import { ErrorBanner, formatDate, formatDuration, StateBadge } from "../components/common";
import { StateChart } from "../components/state-chart";

const DAY = 86_400_000;

/** executions per state over time, failures first, the slowest flows */
export default function DashboardPage() {
  const [days, setDays] = useState(7);
  const range = { startDate: new Date(Date.now() - days * DAY).toISOString(), endDate: new Date().toISOString() };
  const daily = useQuery({ queryKey: ["stats-daily", days], queryFn: () => sendJson<DailyStatistics[]>("POST", "executions/statistics/daily", range), refetchInterval: 30_000 });
  const flows = useQuery({ queryKey: ["stats-flows", days], queryFn: () => sendJson<FlowStatistics[]>("POST", "executions/statistics/flows", range), refetchInterval: 30_000 });
  const failures = useQuery({ queryKey: ["failures"], queryFn: () => getJson<Page<Execution>>(`executions/search${query({ state: ["FAILED"], size: 8 })}`), refetchInterval: 5_000 });
  const totals: Record<string, number> = {};
  for (const d of daily.data ?? []) for (const [s, n] of Object.entries(d.executionCounts)) totals[s] = (totals[s] ?? 0) + n;
  const all = Object.values(totals).reduce((a, b) => a + b, 0);
  const slowest = [...(flows.data ?? [])].filter((f) => f.duration.count).sort((a, b) => b.duration.avg - a.duration.avg).slice(0, 8);
  return (
    <>
      <div className="page-head">
        <h1>Dashboard</h1>
        <span className="spacer" />
        <select value={days} onChange={(e) => setDays(Number(e.target.value))} aria-label="Range">
          <option value={1}>last 24 hours</option>
          <option value={7}>last 7 days</option>
          <option value={30}>last 30 days</option>
        </select>
      </div>
      <ErrorBanner error={daily.error ?? flows.error} />
      <div className="grid four" style={{ marginBottom: 14 }}>
        {[["Executions", all], ["Succeeded", totals.SUCCESS ?? 0], ["Failed", totals.FAILED ?? 0], ["Running", runningTotal(totals)]].map(([label, n]) => (
          <div className="card" key={label}>
            <div className="muted">{label}</div>
            <div className="stat">{Number(n).toLocaleString()}</div>
          </div>
        ))}
      </div>
      <div className="card" style={{ marginBottom: 14 }}>
        <h3 style={{ marginTop: 0 }}>Executions per day</h3>
        {daily.data && <StateChart days={daily.data} />}
      </div>
      <div className="grid two">
        <div className="card">
          <h3 style={{ marginTop: 0 }}>Latest failures</h3>
          {failures.data?.results.length ? (
            <table className="table">
              <tbody>
                {failures.data.results.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <Link to={`/executions/${e.id}`}>{e.flowId}</Link>
                      <div className="muted">{e.namespace}</div>
                    </td>
                    <td>
                      <StateBadge state={e.state.current} />
                    </td>
                    <td>{formatDate(e.state.histories[e.state.histories.length - 1]?.date)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No failure.</p>
          )}
        </div>
        <div className="card">
          <h3 style={{ marginTop: 0 }}>Slowest flows (average)</h3>
          {slowest.length ? (
            <table className="table">
              <tbody>
                {slowest.map((f) => (
                  <tr key={`${f.namespace}.${f.flowId}`}>
                    <td>
                      <Link to={`/flows/${f.namespace}/${f.flowId}`}>{f.flowId}</Link>
                      <div className="muted">{f.namespace}</div>
                    </td>
                    <td>{formatDuration(f.duration.avg * 1000)}</td>
                    <td className="muted">max {formatDuration(f.duration.max * 1000)}</td>
                    <td className="muted">{f.duration.count} runs</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : (
            <p className="muted">No ended execution in this range.</p>
          )}
        </div>
      </div>
    </>
  );
}
