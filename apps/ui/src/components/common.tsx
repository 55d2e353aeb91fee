import type { ReactNode } from "react";
import { ApiError } from "../api/client";

export function StateBadge({ state }: { state: string }) {
  return (
    <span className="badge" data-state={state} style={{ background: `var(--${state}, var(--CREATED))` }}>
      {state}
    </span>
  );
}

/** a failed query or action: the server's message, and its per-line errors when it gave them */
export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as Error;
  return (
    <div className="card error" role="alert">
      {e instanceof ApiError ? `${e.status}: ${e.message}` : e.message}
      {e instanceof ApiError && e.errors.length > 0 && (
        <ul>
          {e.errors.map((x, i) => (
            <li key={i}>
              {x.line ? `line ${x.line}: ` : ""}
              {x.path ? `${x.path}: ` : ""}
              {x.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** `estimated`: the server counted exactly only so far and `total` is its database's estimate */
export function Pager({ page, size, total, estimated, onPage }: { page: number; size: number; total: number; estimated?: boolean; onPage: (page: number) => void }) {
  const last = Math.max(1, Math.ceil(total / size));
  const about = estimated ? "about " : "";
  return (
    <div className="pager">
      <span>
        {about}{total.toLocaleString()} in all · page {page.toLocaleString()} of {about}{last.toLocaleString()}
      </span>
      <button onClick={() => onPage(1)} disabled={page <= 1} aria-label="First page">
        «
      </button>
      <button onClick={() => onPage(page - 1)} disabled={page <= 1} aria-label="Previous page">
        ‹
      </button>
      <button onClick={() => onPage(page + 1)} disabled={page >= last} aria-label="Next page">
        ›
      </button>
      <button onClick={() => onPage(last)} disabled={page >= last} aria-label="Last page">
        »
      </button>
    </div>
  );
}

export function Labels({ labels }: { labels?: Array<{ key: string; value: string }> | Record<string, string> }) {
  const list = Array.isArray(labels) ? labels : Object.entries(labels ?? {}).map(([key, value]) => ({ key, value }));
  return (
    <>
      {list.map((l) => (
        <span key={l.key} className="label-chip">
          {l.key}: {l.value}
        </span>
      ))}
    </>
  );
}

export function Tabs({ tabs, active, onChange }: { tabs: Array<[string, ReactNode]>; active: string; onChange: (tab: string) => void }) {
  return (
    <div className="tabs" role="tablist">
      {tabs.map(([key, label]) => (
        <button key={key} role="tab" aria-selected={active === key} className={active === key ? "tab active" : "tab"} onClick={() => onChange(key)}>
          {label}
        </button>
      ))}
    </div>
  );
}

export const formatDate = (iso?: string | null) => (iso ? new Date(iso).toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" }) : "—");

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** start and end of a state's history (end: now while it runs) */
export function spanOf(state: { histories: Array<{ state: string; date: string }>; current: string }, terminal: Set<string>): { start: number; end: number } {
  const start = state.histories.length ? Date.parse(state.histories[0].date) : Date.now();
  const last = state.histories.length ? Date.parse(state.histories[state.histories.length - 1].date) : start;
  return { start, end: terminal.has(state.current) ? last : Date.now() };
}
