import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { getJson, query, request } from "../api/client";
import { ErrorBanner } from "../components/common";
import { YamlEditor } from "../components/yaml-editor";

interface Entry {
  type: "File" | "Directory";
  fileName: string;
  size?: number;
}

function Directory({ namespace, path, open, onOpen }: { namespace: string; path: string; open?: string; onOpen: (path: string) => void }) {
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const list = useQuery({ queryKey: ["ns-files", namespace, path], queryFn: () => getJson<Entry[]>(`namespaces/${namespace}/files/directory${query({ path: path || undefined })}`) });
  return (
    <div style={{ paddingLeft: path ? 12 : 0 }}>
      {list.data?.map((entry) => {
        const full = `${path}/${entry.fileName}`;
        if (entry.type === "Directory") {
          const isOpen = expanded.has(full);
          return (
            <div key={full}>
              <button onClick={() => setExpanded((s) => new Set(isOpen ? [...s].filter((x) => x !== full) : [...s, full]))} aria-expanded={isOpen}>
                {isOpen ? "▾" : "▸"} {entry.fileName}/
              </button>
              {isOpen && <Directory namespace={namespace} path={full} open={open} onOpen={onOpen} />}
            </div>
          );
        }
        return (
          <button key={full} className={open === full ? "active" : ""} onClick={() => onOpen(full)}>
            {entry.fileName}
          </button>
        );
      })}
    </div>
  );
}

const languageOf = (path: string) => (/\.ya?ml$/.test(path) ? "yaml" : /\.(ts|tsx)$/.test(path) ? "typescript" : /\.(js|mjs)$/.test(path) ? "javascript" : /\.json$/.test(path) ? "json" : /\.py$/.test(path) ? "python" : /\.sh$/.test(path) ? "shell" : "plaintext");

/** the namespace's files: a tree, and an editor that saves a file back (or creates one) */
export default function FilesPanel({ namespace }: { namespace: string }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<string>();
  const [text, setText] = useState("");
  const [status, setStatus] = useState<string>();
  const [error, setError] = useState<unknown>();
  const load = async (path: string) => {
    setError(undefined);
    setStatus(undefined);
    try {
      setText(await (await request(`namespaces/${namespace}/files${query({ path })}`)).text());
      setOpen(path);
    } catch (e) {
      setError(e);
    }
  };
  const save = async (path = open) => {
    if (!path) return;
    setError(undefined);
    try {
      await request(`namespaces/${namespace}/files${query({ path })}`, { method: "PUT", headers: { "Content-Type": "application/octet-stream" }, body: text });
      setStatus(`Saved ${path}`);
      await queryClient.invalidateQueries({ queryKey: ["ns-files", namespace] });
    } catch (e) {
      setError(e);
    }
  };
  const create = async () => {
    const path = prompt("Path of the new file (scripts/main.ts)");
    if (!path) return;
    const full = path.startsWith("/") ? path : `/${path}`;
    setText("");
    setOpen(full);
    await request(`namespaces/${namespace}/files${query({ path: full })}`, { method: "PUT", body: "" }).catch(setError);
    await queryClient.invalidateQueries({ queryKey: ["ns-files", namespace] });
  };
  const remove = async () => {
    if (!open || !confirm(`Delete ${open}?`)) return;
    await request(`namespaces/${namespace}/files${query({ path: open })}`, { method: "DELETE" }).catch(setError);
    setOpen(undefined);
    await queryClient.invalidateQueries({ queryKey: ["ns-files", namespace] });
  };
  return (
    <div className="row" style={{ alignItems: "stretch" }}>
      <div className="card file-tree">
        <button onClick={create}>New file</button>
        <Directory namespace={namespace} path="" open={open} onOpen={load} />
      </div>
      <div style={{ flex: 1, minWidth: 0 }}>
        <ErrorBanner error={error} />
        {open ? (
          <>
            <div className="toolbar">
              <strong className="mono">{open}</strong>
              <button className="primary" onClick={() => save()}>
                Save
              </button>
              <button className="danger" onClick={remove}>
                Delete
              </button>
              {status && <span className="muted">{status}</span>}
            </div>
            <YamlEditor key={open} value={text} onChange={setText} flowSchema={false} language={languageOf(open)} onSave={() => save()} />
          </>
        ) : (
          <p className="muted">Choose a file, or make a new one.</p>
        )}
      </div>
    </div>
  );
}
