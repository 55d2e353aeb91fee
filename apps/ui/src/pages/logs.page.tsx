import { useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router";
import { getJson, query } from "../api/client";
import { LOG_LEVELS, type LogEntry, type Page } from "../api/types";
import { ErrorBanner, formatDate } from "../components/common";

const SIZE = 50;

type Found = Page<LogEntry & { namespace: string; flowId: string }> & { next?: string };
interface Search {
  q: string;
  namespace: string;
  minLevel: string;
}

/**
 * Full-text search over every execution's log lines (`GET /logs/search`, served by a history
 * store of its own): newest first, a page at a time. Without one the server answers 501, shown
 * as it says it.
 */
export default function LogsPage() {
  const [form, setForm] = useState<Search>({ q: "", namespace: "", minLevel: "" });
  const [asked, setAsked] = useState<Search>();
  // keyset pages: the cursors of the pages before this one, to go back
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const after = cursors[cursors.length - 1];
  const found = useQuery({
    queryKey: ["log-search", asked, after],
    enabled: !!asked,
    queryFn: () => getJson<Found>(`logs/search${query({ q: asked!.q, namespace: asked!.namespace || undefined, minLevel: asked!.minLevel || undefined, size: SIZE, after })}`),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!form.q.trim()) return;
    setAsked({ ...form });
    setCursors([undefined]);
  };
  const data = found.data;
  return (
    <>
      <div className="page-head">
        <h1>Logs</h1>
      </div>
      <form className="row" onSubmit={submit} role="search">
        <input type="search" placeholder="words every line holds" value={form.q} onChange={(e) => setForm({ ...form, q: e.target.value })} aria-label="Search log lines" />
        <input placeholder="namespace" value={form.namespace} onChange={(e) => setForm({ ...form, namespace: e.target.value })} aria-label="Namespace" />
        <select value={form.minLevel} onChange={(e) => setForm({ ...form, minLevel: e.target.value })} aria-label="Minimum level">
          <option value="">any level</option>
          {LOG_LEVELS.map((l) => (
            <option key={l} value={l}>
              {l} and above
            </option>
          ))}
        </select>
        <button type="submit" disabled={!form.q.trim()}>
          Search
        </button>
      </form>
      <ErrorBanner error={found.error} />
      {data && (
        <>
          <p className="muted" role="status">
            {data.totalEstimated ? `about ${data.total}` : data.total} matching {data.total === 1 ? "line" : "lines"}
          </p>
          <table className="table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Level</th>
                <th>Flow</th>
                <th>Execution</th>
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {data.results.map((l, i) => (
                <tr key={`${l.executionId}-${l.timestamp}-${i}`}>
                  <td>{formatDate(l.timestamp)}</td>
                  <td>{l.level}</td>
                  <td>
                    {l.namespace}.{l.flowId}
                  </td>
                  <td>
                    <Link to={`/executions/${l.executionId}/logs`}>{l.executionId}</Link>
                  </td>
                  <td className="log-message">{l.message}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <div className="row">
            <button disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
              Newer
            </button>
            <button disabled={!data.next} onClick={() => setCursors([...cursors, data.next])}>
              Older
            </button>
          </div>
        </>
      )}
    </>
  );
}
