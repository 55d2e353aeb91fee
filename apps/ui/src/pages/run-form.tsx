import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { request } from "../api/client";
import type { Execution, Flow } from "../api/types";
import { ErrorBanner } from "../components/common";
import { formBody, InputField } from "../components/input-field";

/** the flow's typed inputs as a form; the execution starts with a multipart body, as Kestra's UI sends it */
export default function RunForm({ flow }: { flow: Flow }) {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const [labels, setLabels] = useState("");
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const search = new URLSearchParams();
      for (const label of labels.split(",").map((l) => l.trim()).filter(Boolean)) search.append("labels", label);
      const path = `executions/${flow.namespace}/${flow.id}${search.size ? `?${search}` : ""}`;
      const response = await request(path, { method: "POST", body: formBody(event.currentTarget, flow.inputs ?? []) });
      const execution = (await response.json()) as Execution;
      navigate(`/executions/${execution.id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };
  return (
    <form className="card grid" onSubmit={submit} aria-label="Run the flow" style={{ maxWidth: 640 }}>
      {(flow.inputs ?? []).map((input) => (
        <InputField key={input.id} input={input} />
      ))}
      {!flow.inputs?.length && <p className="muted">This flow takes no inputs.</p>}
      <label>
        <span>
          Labels <span className="muted">(key:value, comma-separated)</span>
        </span>
        <input value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="team:data" aria-label="Labels" />
      </label>
      <ErrorBanner error={error} />
      <div>
        <button className="primary" disabled={busy}>
          Execute
        </button>
      </div>
    </form>
  );
}
