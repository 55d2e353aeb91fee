import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { parse } from "yaml";
import { getJson, request } from "../api/client";
import type { Execution, Flow, InputSpec } from "../api/types";
import { ErrorBanner } from "../components/common";
import { formBody, InputField } from "../components/input-field";

type TaskSpec = { id: string; onResume?: InputSpec[]; [k: string]: unknown };

/** the task with this id anywhere in the flow's task tree */
function findTask(node: unknown, id: string): TaskSpec | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = findTask(item, id);
      if (found) return found;
    }
  } else if (node && typeof node === "object") {
    const task = node as TaskSpec;
    if (task.id === id && typeof (task as { type?: unknown }).type === "string") return task;
    for (const value of Object.values(task)) {
      const found = findTask(value, id);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * A paused execution: the Pause task's `onResume` inputs as a form, sent to
 * `POST /executions/{id}/resume` as a multipart body (Kestra's shape).
 */
export function ResumeForm({ execution }: { execution: Execution }) {
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>();
  const paused = execution.taskRunList.find((r) => r.state.current === "PAUSED");
  const flow = useQuery({ queryKey: ["flow", execution.namespace, execution.flowId, execution.flowRevision], queryFn: () => getJson<Flow>(`flows/${execution.namespace}/${execution.flowId}?revision=${execution.flowRevision}`) });
  const inputs = paused && flow.data ? (findTask(parse(flow.data.source), paused.taskId)?.onResume ?? []) : [];
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(undefined);
    try {
      await request(`executions/${execution.id}/resume`, { method: "POST", body: formBody(event.currentTarget, inputs) });
      await queryClient.invalidateQueries({ queryKey: ["execution", execution.id] });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form className="card grid" onSubmit={submit} aria-label="Resume the execution" style={{ marginBottom: 14, maxWidth: 640 }}>
      <strong>Paused{paused ? ` at ${paused.taskId}` : ""}</strong>
      {inputs.map((input) => (
        <InputField key={input.id} input={input} />
      ))}
      <ErrorBanner error={error} />
      <div>
        <button className="primary">Resume</button>
      </div>
    </form>
  );
}
