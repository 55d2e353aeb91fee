import { findTask, resolveExecutionInputs, type Callable, type Flow, type PluginRegistry } from "@ferry/core";
import { ConflictError, isStorageUri, isTerminal, NotFoundError, storageKeyOf, UserError, type ExecutionRecord, type FlowablePlan, type TaskRunRecord } from "@ferry/sdk";
import type { JsonStore } from "./json-store.js";
import type { ExecutorEvent } from "./messages.js";

const MAX_COMMENT = 10_000;

/** a review as the API receives it (Kestra's review of an Approval: a decision, a comment, the dialog's inputs) */
export interface ReviewBody {
  decision?: unknown;
  comment?: unknown;
  inputs?: unknown;
  /** which Approval's task run, when several wait; the first PAUSED one otherwise */
  taskRunId?: unknown;
}

const invalid = (message: string, path: string) => new UserError(message, { status: 422, errors: [{ path, message }] });

/**
 * What a review asks of the executor, checked before anything changes as Kestra's
 * ExecutionService.decide does: the execution must not have ended and must hold an Approval
 * task run PAUSED waiting for its review (409 naming why); the decision must be APPROVED or
 * DENIED (or the Approval's own `decisions` names), the comment given when `commentRequired`
 * asks for it, and the inputs typed against the Approval's `inputs` (422 naming what is wrong).
 * The executor checks the task run again under the execution's lock.
 */
export async function reviewCommand(
  found: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] },
  flow: Flow,
  registry: PluginRegistry,
  store: JsonStore,
  body: ReviewBody,
  options: {
    by?: string;
    functions?: Record<string, Callable>;
    /** where a FILE input given as a `ferry://` URI may point (this execution's files, its namespace's); anywhere when absent */
    filePrefixes?: string[];
  } = {},
): Promise<Extract<ExecutorEvent, { type: "review" }>> {
  const { execution, taskRuns } = found;
  // worded as Kestra's ExecutionService.decide refuses a decided request ("is not paused", ApprovalTest.shouldRefuseASecondDecisionOnTheSameTaskRun):
  // a second review often comes once the first one's branch has already ended the execution
  if (isTerminal(execution.state.current)) throw new ConflictError(`execution ${execution.id} is not paused: it already ended ${execution.state.current}; only a PAUSED execution is reviewed`);
  const specOf = (run: TaskRunRecord) => findTask([flow.tasks, flow.errors, flow.finally, flow.afterExecution], run.taskId, registry);
  const isApproval = (run: TaskRunRecord) => {
    const spec = specOf(run);
    const def = spec && registry.task(spec.type);
    return def?.kind === "flowable" && def.pausedBy === "review";
  };
  let run: TaskRunRecord | undefined;
  if (body.taskRunId !== undefined) {
    if (typeof body.taskRunId !== "string") throw invalid("taskRunId must be a text: the id of the Approval's task run", "taskRunId");
    run = taskRuns.find((r) => r.id === body.taskRunId);
    if (!run) throw new NotFoundError(`execution ${execution.id} has no task run ${body.taskRunId.slice(0, 100)}`);
    if (!isApproval(run)) throw new ConflictError(`task run ${run.id} (${run.taskId}) of execution ${execution.id} is not an Approval: it cannot be reviewed`);
  } else {
    run = taskRuns.find((r) => r.state.current === "PAUSED" && isApproval(r)) ?? taskRuns.find(isApproval);
    if (!run) throw new ConflictError(`execution ${execution.id} has no Approval waiting for a review`);
  }
  const plan = run.planUri ? await store.read<FlowablePlan>(run.planUri) : undefined;
  const approval = plan?.approval;
  if (!approval || run.state.current !== "PAUSED" || approval.decision) {
    throw new ConflictError(`task run ${run.id} (${run.taskId}) of execution ${execution.id} is not paused: it is ${run.state.current}${approval?.decision ? `, already ${approval.decision}` : ""}`);
  }

  const names = `APPROVED or DENIED${approval.decisionNames.approve !== "APPROVED" ? ` ('${approval.decisionNames.approve}' or '${approval.decisionNames.deny}')` : ""}`;
  if (typeof body.decision !== "string") throw invalid(`decision is required: ${names}`, "decision");
  const given = body.decision.trim();
  const decision =
    given.toUpperCase() === "APPROVED" || given === approval.decisionNames.approve ? "APPROVED" : given.toUpperCase() === "DENIED" || given === approval.decisionNames.deny ? "DENIED" : undefined;
  if (!decision) throw invalid(`decision '${given.slice(0, 100)}' is not one of ${names}`, "decision");

  if (body.comment !== undefined && body.comment !== null && typeof body.comment !== "string") throw invalid("comment must be a text", "comment");
  const comment = typeof body.comment === "string" && body.comment.trim() ? body.comment : undefined;
  if (comment && comment.length > MAX_COMMENT) throw invalid(`comment is ${comment.length} characters long: at most ${MAX_COMMENT}`, "comment");
  const required = approval.commentRequired;
  if (!comment && (required === "ALWAYS" || (required === "ON_DENY" && decision === "DENIED") || (required === "ON_APPROVE" && decision === "APPROVED"))) {
    throw invalid(`a comment is required to ${decision === "APPROVED" ? "approve" : "deny"} task '${run.taskId}' (commentRequired: ${required})`, "comment");
  }

  if (body.inputs !== undefined && body.inputs !== null && (typeof body.inputs !== "object" || Array.isArray(body.inputs))) throw invalid("inputs must be a JSON object of the Approval's inputs", "inputs");
  const values = (body.inputs ?? {}) as Record<string, unknown>;
  const specs = (specOf(run) as { inputs?: unknown[] } | undefined)?.inputs as Parameters<typeof resolveExecutionInputs>[0] | undefined;
  const unknown = Object.keys(values).filter((key) => !(specs ?? []).some((s) => s.id === key));
  if (unknown.length) {
    throw new UserError(`task '${run.taskId}' has no input ${unknown.map((k) => `'${k.slice(0, 100)}'`).join(", ")}`, {
      status: 422,
      errors: unknown.map((key) => ({ path: `inputs.${key.slice(0, 100)}`, message: `no such input of task '${run.taskId}'` })),
    });
  }
  const inputs = specs?.length
    ? await resolveExecutionInputs(specs, values, { flow: { id: flow.id, namespace: flow.namespace, revision: flow.revision }, execution: { id: execution.id }, functions: options.functions }).catch((error: unknown) => {
        if (error instanceof UserError) throw new UserError(error.message.replace(/^invalid inputs/, "invalid review inputs"), { status: 422, errors: error.errors, cause: error });
        throw error;
      })
    : {};
  for (const spec of specs ?? []) {
    const value = inputs[spec.id];
    if (spec.type !== "FILE" || !isStorageUri(value) || !options.filePrefixes) continue;
    if (!options.filePrefixes.some((prefix) => storageKeyOf(value).startsWith(prefix))) {
      throw invalid(`input ${spec.id}: ${value} is not a file of this execution or of its namespace's files`, `inputs.${spec.id}`);
    }
  }
  return {
    type: "review",
    executionId: execution.id,
    taskRunId: run.id,
    decision,
    ...(comment !== undefined ? { comment } : {}),
    inputs,
    ...(options.by ? { by: options.by } : {}),
  };
}
