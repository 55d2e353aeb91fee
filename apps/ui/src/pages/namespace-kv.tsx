import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { getJson, sendJson } from "../api/client";
import type { KvEntry } from "../api/types";
import { ErrorBanner, formatDate } from "../components/common";

/** a value as typed: JSON when it parses (number, boolean, object…), otherwise the text itself */
function valueOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** the namespace's KV pairs: browse, read a value, set one (with a TTL), delete */
export function KvPanel({ namespace }: { namespace: string }) {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ["kv", namespace], queryFn: () => getJson<KvEntry[]>(`namespaces/${namespace}/kv`) });
  const [key, setKey] = useState("");
  const [value, setValue] = useState("");
  const [ttl, setTtl] = useState("");
  const [error, setError] = useState<unknown>();
  const [shown, setShown] = useState<{ key: string; type: string; value: unknown }>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["kv", namespace] });
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await sendJson("PUT", `namespaces/${namespace}/kv/${encodeURIComponent(key)}`, valueOf(value), ttl ? { ttl } : {});
      setKey("");
      setValue("");
      setTtl("");
      await refresh();
    } catch (e) {
      setError(e);
    }
  };
  const show = async (k: string) => {
    setError(undefined);
    try {
      const answer = await getJson<{ type: string; value: unknown }>(`namespaces/${namespace}/kv/${encodeURIComponent(k)}`);
      setShown({ key: k, ...answer });
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (k: string) => {
    if (!confirm(`Delete ${k}?`)) return;
    await sendJson("DELETE", `namespaces/${namespace}/kv/${encodeURIComponent(k)}`).catch(setError);
    await refresh();
  };
  return (
    <div className="grid">
      <form className="card toolbar" onSubmit={save} aria-label="Set a KV pair">
        <label>
          Key
          <input value={key} onChange={(e) => setKey(e.target.value)} required aria-label="Key" />
        </label>
        <label style={{ flex: 1 }}>
          Value (JSON, or text)
          <input value={value} onChange={(e) => setValue(e.target.value)} aria-label="Value" placeholder='42, true, {"a": 1} or text' />
        </label>
        <label>
          TTL
          <input value={ttl} onChange={(e) => setTtl(e.target.value)} placeholder="PT1H" aria-label="TTL" />
        </label>
        <button className="primary">Set</button>
      </form>
      <ErrorBanner error={error ?? list.error} />
      <table className="table" data-testid="kv-table">
        <thead>
          <tr>
            <th>Key</th>
            <th>Type</th>
            <th>Updated</th>
            <th>Expires</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.data?.map((entry) => (
            <tr key={entry.key}>
              <td className="mono">{entry.key}</td>
              <td>{entry.type}</td>
              <td>{formatDate(entry.updateDate)}</td>
              <td>{entry.expirationDate ? formatDate(entry.expirationDate) : "never"}</td>
              <td className="row">
                <button onClick={() => show(entry.key)}>Value</button>
                <button onClick={() => { setKey(entry.key); void show(entry.key).then(() => undefined); }}>Edit</button>
                <button className="danger" onClick={() => remove(entry.key)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.length === 0 && <p className="empty">No KV pair in this namespace.</p>}
      {shown && (
        <div className="card">
          <strong className="mono">{shown.key}</strong> <span className="muted">({shown.type})</span>
          <pre data-testid="kv-value">{JSON.stringify(shown.value, null, 2)}</pre>
          <button onClick={() => setValue(typeof shown.value === "string" ? shown.value : JSON.stringify(shown.value))}>Copy into the form</button>
        </div>
      )}
    </div>
  );
}
