import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { getJson, query, sendJson } from "../api/client";
import type { Page, TriggerItem } from "../api/types";
import { ErrorBanner, formatDate, Pager } from "../components/common";

const SIZE = 50;

function Backfill({ item, onDone }: { item: TriggerItem; onDone: (message: string) => void }) {
  const [start, setStart] = useState("");
  const [end, setEnd] = useState("");
  const [error, setError] = useState<unknown>();
  const { namespace, flowId, triggerId } = item.triggerContext;
  const run = async () => {
    setError(undefined);
    try {
      const answer = await sendJson<{ started: string[]; skipped: number; conditionsNotMet?: number }>("POST", `triggers/${namespace}/${flowId}/${triggerId}/backfill`, {
        start: new Date(start).toISOString(),
        ...(end ? { end: new Date(end).toISOString() } : {}),
      });
      const notMet = answer.conditionsNotMet ? `, ${answer.conditionsNotMet} where its conditions do not hold` : "";
      onDone(`Backfill of ${triggerId}: ${answer.started.length} executions started, ${answer.skipped} already run${notMet}`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="row">
      <input type="datetime-local" value={start} onChange={(e) => setStart(e.target.value)} aria-label={`Backfill ${triggerId} from`} />
      <input type="datetime-local" value={end} onChange={(e) => setEnd(e.target.value)} aria-label={`Backfill ${triggerId} to`} />
      <button disabled={!start} onClick={run}>
        Backfill
      </button>
      <ErrorBanner error={error} />
    </div>
  );
}

/** every trigger of every flow with its last and next fire: enable or disable, backfill a schedule, copy a webhook's URL */
export default function TriggersPage() {
  const queryClient = useQueryClient();
  const [page, setPage] = useState(1);
  const [q, setQ] = useState("");
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<unknown>();
  const triggers = useQuery({ queryKey: ["triggers", page, q], queryFn: () => getJson<Page<TriggerItem>>(`triggers/search${query({ page, size: SIZE, q })}`), refetchInterval: 10_000 });
  const toggle = async (item: TriggerItem) => {
    const { namespace, flowId, triggerId, disabled } = item.triggerContext;
    try {
      await sendJson("PUT", `triggers/${namespace}/${flowId}/${triggerId}`, { disabled: !disabled });
      await queryClient.invalidateQueries({ queryKey: ["triggers"] });
    } catch (e) {
      setError(e);
    }
  };
  const webhookUrl = (item: TriggerItem) => `${location.origin}/api/v1/executions/webhook/${item.triggerContext.namespace}/${item.triggerContext.flowId}/${item.abstractTrigger.key ?? "KEY"}`;
  return (
    <>
      <div className="page-head">
        <h1>Triggers</h1>
        <span className="spacer" />
        <input type="search" placeholder="namespace, flow or trigger" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Search triggers" />
      </div>
      <ErrorBanner error={error ?? triggers.error} />
      {message && (
        <p role="status" className="muted">
          {message}
        </p>
      )}
      <table className="table">
        <thead>
          <tr>
            <th>Trigger</th>
            <th>Flow</th>
            <th>Kind</th>
            <th>Last fire</th>
            <th>Next fire</th>
            <th>Enabled</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {triggers.data?.results.map((item) => {
            const c = item.triggerContext;
            const kind = c.kind ?? item.abstractTrigger.type.split(".").pop();
            return (
              <tr key={`${c.namespace}.${c.flowId}.${c.triggerId}`}>
                <td>
                  <strong>{c.triggerId}</strong>
                  <div className="muted">{item.abstractTrigger.type}</div>
                  {item.abstractTrigger.cron && <div className="mono">{item.abstractTrigger.cron}</div>}
                </td>
                <td>
                  <Link to={`/flows/${c.namespace}/${c.flowId}`}>{c.flowId}</Link>
                  <div className="muted">{c.namespace}</div>
                </td>
                <td>{kind}</td>
                <td>{formatDate(c.date)}</td>
                <td>{formatDate(c.nextExecutionDate)}</td>
                <td>
                  <label className="inline">
                    <input type="checkbox" checked={!c.disabled} onChange={() => toggle(item)} aria-label={`Enable ${c.triggerId}`} /> {c.disabled ? "disabled" : "enabled"}
                  </label>
                </td>
                <td>
                  {kind === "webhook" && (
                    <button
                      onClick={async () => {
                        await navigator.clipboard?.writeText(webhookUrl(item)).catch(() => undefined);
                        setMessage(`Copied ${webhookUrl(item)}`);
                      }}
                    >
                      Copy URL
                    </button>
                  )}
                  {kind === "schedule" && <Backfill item={item} onDone={setMessage} />}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {triggers.data?.total === 0 && <p className="empty">No trigger: add one under a flow's `triggers`.</p>}
      {triggers.data && <Pager page={page} size={SIZE} total={triggers.data.total} onPage={setPage} />}
    </>
  );
}
