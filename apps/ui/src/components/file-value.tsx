import { useState } from "react";
import { ApiError, getJson, query, request } from "../api/client";

const isFile = (v: unknown): v is string => typeof v === "string" && v.startsWith("ferry://");

interface Preview {
  extension: string;
  type: "TEXT" | "IMAGE";
  content: string;
  truncated?: boolean;
}

/** a file of an execution (`ferry://…`): preview (text or image) and download; a purged one says so */
export function FileValue({ executionId, uri }: { executionId: string; uri: string }) {
  const [preview, setPreview] = useState<Preview>();
  const [problem, setProblem] = useState<string>();
  const name = uri.split("/").pop() ?? "file";
  const explain = (e: unknown) => setProblem(e instanceof ApiError && e.status === 410 ? `purged: ${e.message}` : (e as Error).message);
  const show = async () => {
    setProblem(undefined);
    try {
      setPreview(await getJson<Preview>(`executions/${executionId}/file/preview${query({ path: uri, maxRows: 200 })}`));
    } catch (e) {
      explain(e);
    }
  };
  // the download goes through fetch, so that it carries the Authorization header
  const download = async () => {
    setProblem(undefined);
    try {
      const blob = await (await request(`executions/${executionId}/file${query({ path: uri })}`)).blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      explain(e);
    }
  };
  return (
    <div className="file-value" data-uri={uri}>
      <div className="row">
        <span className="mono">{name}</span>
        <button onClick={show}>Preview</button>
        <button onClick={download}>Download</button>
      </div>
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {preview?.type === "TEXT" && (
        <pre data-testid="file-preview">
          {preview.content}
          {preview.truncated ? "\n…" : ""}
        </pre>
      )}
      {preview?.type === "IMAGE" && <img alt={name} src={`data:image/${preview.extension};base64,${preview.content}`} style={{ maxWidth: "100%" }} />}
    </div>
  );
}

/** a value of inputs or outputs: files get their buttons, the rest is shown as JSON */
export function ValueView({ executionId, value }: { executionId: string; value: unknown }) {
  if (isFile(value)) return <FileValue executionId={executionId} uri={value} />;
  if (value && typeof value === "object" && !Array.isArray(value) && (value as { purged?: boolean }).purged) {
    return <span className="error">purged: {(value as { message?: string }).message}</span>;
  }
  if (typeof value === "string") return <span className="mono">{value}</span>;
  // a map or list holding files (a script's outputFiles): each file gets its buttons
  const holdsFile = JSON.stringify(value ?? null).includes('"ferry://');
  if (holdsFile && Array.isArray(value)) return <>{value.map((v, i) => <ValueView key={i} executionId={executionId} value={v} />)}</>;
  if (holdsFile && value && typeof value === "object") return <ValueTable executionId={executionId} values={value as Record<string, unknown>} />;
  return <pre>{JSON.stringify(value, null, 2)}</pre>;
}

export function ValueTable({ executionId, values }: { executionId: string; values?: Record<string, unknown> | null }) {
  if (values && (values as { purged?: boolean }).purged === true) return <p className="error">purged: {String((values as { message?: string }).message)}</p>;
  const entries = Object.entries(values ?? {});
  if (!entries.length) return <p className="muted">None.</p>;
  return (
    <dl className="kv">
      {entries.map(([key, value]) => (
        <div key={key} style={{ display: "contents" }}>
          <dt>{key}</dt>
          <dd>
            <ValueView executionId={executionId} value={value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
