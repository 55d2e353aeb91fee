import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { ApiError, request } from "../api/client";
import { isReadOnlyFlow, type Flow } from "../api/types";
import { ErrorBanner } from "../components/common";
import { YamlEditor } from "../components/yaml-editor";

/**
 * Edit a flow's YAML (or write a new one): the schema checks it as you type; save sends it to
 * the server, whose 422 errors are shown on their lines. A saved change is a new revision.
 */
export default function FlowEditor({ flow, initial }: { flow?: Flow; initial?: string }) {
  const [source, setSource] = useState(flow?.source ?? initial ?? "");
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState<string>();
  const [busy, setBusy] = useState(false);
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const save = async () => {
    setBusy(true);
    setError(undefined);
    setSaved(undefined);
    try {
      const path = flow ? `flows/${flow.namespace}/${flow.id}` : "flows";
      const response = await request(path, { method: flow ? "PUT" : "POST", headers: { "Content-Type": "application/x-yaml" }, body: source });
      const result = (await response.json()) as Flow;
      await queryClient.invalidateQueries({ queryKey: ["flow", result.namespace, result.id] });
      await queryClient.invalidateQueries({ queryKey: ["graph", result.namespace, result.id] });
      await queryClient.invalidateQueries({ queryKey: ["revisions", result.namespace, result.id] });
      setSaved(`Saved: revision ${result.revision}`);
      if (!flow) navigate(`/flows/${result.namespace}/${result.id}/edit`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const serverErrors = error instanceof ApiError ? error.errors : undefined;
  // Kestra's system.readOnly label: the editor shows the flow and does not change it
  const readOnly = flow !== undefined && isReadOnlyFlow(flow);
  return (
    <>
      <div className="toolbar">
        <button className="primary" onClick={save} disabled={busy || readOnly}>
          Save
        </button>
        {readOnly ? (
          <span role="note" className="muted">
            Read-only: this flow is labelled system.readOnly (change it through the API or CLI)
          </span>
        ) : (
          <span className="muted">Ctrl+S saves · Ctrl+Space completes</span>
        )}
        {saved && (
          <span role="status" className="muted">
            {saved}
          </span>
        )}
      </div>
      <YamlEditor value={source} onChange={setSource} serverErrors={serverErrors} onSave={readOnly ? undefined : save} readOnly={readOnly} />
      <div style={{ marginTop: 8 }}>
        <ErrorBanner error={error} />
      </div>
    </>
  );
}
