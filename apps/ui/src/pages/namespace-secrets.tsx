import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { getJson, sendJson } from "../api/client";
import { ErrorBanner } from "../components/common";

/** secret names only (the API never answers a value); set and delete when the backend is writable */
export function SecretsPanel({ namespace }: { namespace: string }) {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ["secrets", namespace], queryFn: () => getJson<{ readOnly: boolean; results: Array<{ key: string }> }>(`namespaces/${namespace}/secrets`) });
  const [name, setName] = useState("");
  const [value, setValue] = useState("");
  const [error, setError] = useState<unknown>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["secrets", namespace] });
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await sendJson("PUT", `namespaces/${namespace}/secrets/${encodeURIComponent(name)}`, { value });
      setName("");
      setValue("");
      await refresh();
    } catch (e) {
      setError(e);
    }
  };
  const remove = async (key: string) => {
    if (!confirm(`Delete secret ${key}?`)) return;
    await sendJson("DELETE", `namespaces/${namespace}/secrets/${encodeURIComponent(key)}`).catch(setError);
    await refresh();
  };
  const writable = list.data && !list.data.readOnly;
  return (
    <div className="grid">
      {list.data?.readOnly && <p className="muted">This server's secret backend is read-only (secrets come from its environment): names are listed, values are set where the server runs.</p>}
      {writable && (
        <form className="card toolbar" onSubmit={save} aria-label="Set a secret">
          <label>
            Name
            <input value={name} onChange={(e) => setName(e.target.value)} required aria-label="Secret name" />
          </label>
          <label style={{ flex: 1 }}>
            Value
            <input type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} required aria-label="Secret value" />
          </label>
          <button className="primary">Set</button>
        </form>
      )}
      <ErrorBanner error={error ?? list.error} />
      <table className="table">
        <tbody>
          {list.data?.results.map((s) => (
            <tr key={s.key}>
              <td className="mono">{s.key}</td>
              <td className="muted">••••••</td>
              <td>
                {writable && (
                  <button className="danger" onClick={() => remove(s.key)}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.data?.results.length === 0 && <p className="empty">No secret in this namespace.</p>}
    </div>
  );
}
