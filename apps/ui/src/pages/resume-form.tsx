import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { parse } from "yaml";
import { getJson, request } from "../api/client";
import type { Execution, Flow, InputSpec } from "../api/types";
import { ErrorBanner } from "../components/common";
import { formBody, InputField } from "../components/input-field";

type TaskSpec = { id: string; type?: string; onResume?: InputSpec[]; inputs?: InputSpec[]; decisions?: { approve?: string; deny?: string }; [k: string]: unknown };

/** Kestra's Approval (and its Ferry name): reviewed with a decision, never resumed */
const isApproval = (task: TaskSpec | undefined) => Boolean(task?.type && /(^|\.)(flow\.)?Approval$/.test(task.type));

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
  const task = paused && flow.data ? findTask(parse(flow.data.source), paused.taskId) : undefined;
  if (paused && isApproval(task)) return <ReviewForm execution={execution} taskRunId={paused.id} task={task!} />;
  const inputs = task?.onResume ?? [];
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

/**
 * A paused Approval: its inputs and a comment, approved or denied through
 * `POST /executions/{id}/actions/review` (a JSON body: decision, comment, inputs, taskRunId).
 */
function ReviewForm({ execution, taskRunId, task }: { execution: Execution; taskRunId: string; task: TaskSpec }) {
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>();
  const inputs = (task.inputs ?? []).filter((input) => input.type !== "FILE");
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setError(undefined);
    const form = event.currentTarget;
    const submitter = (event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null;
    const values = Object.fromEntries([...formBody(form, inputs).entries()].map(([key, value]) => [key, String(value)]));
    const comment = (form.elements.namedItem("review-comment") as HTMLTextAreaElement | null)?.value ?? "";
    const body = { decision: submitter?.value === "DENIED" ? "DENIED" : "APPROVED", taskRunId, inputs: values, ...(comment.trim() ? { comment } : {}) };
    try {
      await request(`executions/${execution.id}/actions/review`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
      await queryClient.invalidateQueries({ queryKey: ["execution", execution.id] });
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form className="card grid" onSubmit={submit} aria-label="Review the approval" style={{ marginBottom: 14, maxWidth: 640 }}>
      <strong>Waiting for a review at {task.id}</strong>
      {inputs.map((input) => (
        <InputField key={input.id} input={input} />
      ))}
      <textarea name="review-comment" aria-label="Comment" placeholder="comment" rows={2} />
      <ErrorBanner error={error} />
      <div>
        <button className="primary" name="decision" value="APPROVED">
          {task.decisions?.approve ?? "Approve"}
        </button>{" "}
        <button name="decision" value="DENIED">
          {task.decisions?.deny ?? "Deny"}
        </button>
      </div>
    </form>
  );
}
