import { CORRELATION_ID_LABEL, isMarkAsState, MARK_AS_STATES, SYSTEM_LABEL_PREFIX } from "@ferry/engine";
import { assertStorableText, ConflictError, isTerminal, NotFoundError, parseJsonFromOutside, UserError, type ExecutionRecord } from "@ferry/sdk";
import { Hono, type Context } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { MAX_LABELS, onlyQuery, revisionQuery } from "../params.js";
import { EXECUTION_FILTERS, executionFilter } from "./executions.routes.js";
import { executionJson } from "../serialize.js";

/** Kestra's label on an execution that was replayed */
const REPLAYED_LABEL = "system.replayed";
const MAX_BULK = 1000;

/**
 * What can be done to an existing execution beside restart and kill, in Kestra's shapes:
 * replay it (a new execution, from the start or from a task run), set its labels (one
 * execution, many by ids or by query), and change a task run's state (the execution carries on from there). Mounted before the
 * execution routes: `/{id}/replay`, `/labels/by-ids` and `/labels/by-query` are also `/{namespace}/{flowId}`.
 */
export function executionActionRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const load = async (id: string) => {
    const found = await deps.repository.getExecution(id);
    if (!found) throw new NotFoundError(`execution ${id} not found`);
    return found;
  };

  /** adds the labels to every execution named, all checked before one is changed; answers Kestra's BulkResponse */
  const labelMany = async (c: Context, ids: string[], labels: Record<string, string>) => {
    const found = await Promise.all(ids.map((id: string) => deps.repository.getExecution(id)));
    const invalids = ids.flatMap((id: string, i) => (found[i] ? [] : [{ path: "executionsId", message: "execution not found", invalid: id }]));
    // every execution is checked before one is changed: a bad request changes nothing
    const updates = found.flatMap((f) => (f ? [{ execution: f.execution, labels: mergeLabels(f.execution, { ...userLabels(f.execution), ...labels }) }] : []));
    if (invalids.length) throw new UserError("invalid bulk set labels", { status: 400, errors: invalids.map(({ path, message, invalid }) => ({ path, message: `${message}: ${invalid}` })) });
    for (const update of updates) await deps.executor.handle({ type: "set-labels", executionId: update.execution.id, labels: update.labels });
    return c.json({ count: updates.length });
  };

  app.post("/labels/by-ids", async (c) => {
    const shape = '{"executionsId": ["…"], "executionLabels": [{"key": "…", "value": "…"}]}';
    const body = await jsonBody(c, shape);
    // null, a list or a scalar is no body of this route (the fuzzer's `null` reached a property read: a 500)
    if (!body || typeof body !== "object" || Array.isArray(body)) throw new UserError(`the body must be a JSON object: ${shape}`, { status: 400 });
    const ids = (body as { executionsId?: unknown }).executionsId;
    if (!Array.isArray(ids) || !ids.length || ids.length > MAX_BULK || !ids.every((id) => typeof id === "string" && id.length > 0 && id.length <= 100)) {
      throw new UserError(`executionsId must be a list of 1 to ${MAX_BULK} execution ids`, { status: 422 });
    }
    return labelMany(c, ids, labelList((body as { executionLabels?: unknown }).executionLabels, "executionLabels"));
  });

  // Kestra's setLabelsOnTerminatedExecutionsByQuery: the executions /search would answer for the same filters
  app.post("/labels/by-query", async (c) => {
    onlyQuery(c, EXECUTION_FILTERS);
    const filter = executionFilter(c);
    const labels = labelList(await jsonBody(c, '[{"key": "…", "value": "…"}]'), "the body");
    const page = await deps.history.searchExecutions({ ...filter, page: 1, size: MAX_BULK + 1 });
    if (page.results.length > MAX_BULK) throw new UserError(`more than ${MAX_BULK} executions match: narrow the query (namespace, flowId, state, labels, startDate, endDate) or label them by ids`, { status: 422 });
    return labelMany(c, page.results.map((e) => e.id), labels);
  });

  app.post("/:id/labels", async (c) => {
    const { execution } = await load(c.req.param("id"));
    const labels = mergeLabels(execution, labelList(await jsonBody(c, '[{"key": "…", "value": "…"}]'), "the body"));
    await deps.executor.handle({ type: "set-labels", executionId: execution.id, labels });
    const { execution: saved, taskRuns } = await load(execution.id);
    return c.json(await executionJson(deps.store, saved, taskRuns));
  });

  app.post("/:id/replay", async (c) => {
    const source = await load(c.req.param("id"));
    const { execution } = source;
    if (!isTerminal(execution.state.current)) throw new ConflictError(`execution ${execution.id} is ${execution.state.current}; only an ended execution is replayed`);
    const taskRunId = c.req.query("taskRunId");
    if (taskRunId !== undefined && !source.taskRuns.some((r) => r.id === taskRunId)) {
      throw new UserError(`Task run id '${taskRunId.slice(0, 100)}' not found in execution '${execution.id}'`, { status: 422 });
    }
    const flow = await deps.flows.get(execution.namespace, execution.flowId, revisionQuery(c) ?? execution.flowRevision);
    const replay = await deps.executions.replayWithRuns(source, flow, taskRunId);
    await deps.executor.handle({ type: "set-labels", executionId: execution.id, labels: { ...execution.labels, [REPLAYED_LABEL]: "true" } });
    // as saved: from a task run, RESTARTED with the source's history (Kestra's replay answers it so); from the start, CREATED
    return c.json(await executionJson(deps.store, replay.execution, replay.taskRuns));
  });

  // Kestra's updateTaskRunState: body {taskRunId, state}; answers the execution, marked and carrying on
  app.post("/:id/state", async (c) => {
    const { execution } = await load(c.req.param("id"));
    const body = await jsonBody(c, '{"taskRunId": "…", "state": "SUCCESS"}');
    const { taskRunId, state, ...rest } = (body && typeof body === "object" && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    if (typeof taskRunId !== "string" || !taskRunId) throw new UserError('the body must be {"taskRunId": text, "state": …}: taskRunId is missing', { status: 422 });
    if (!isMarkAsState(state)) throw new UserError(`state must be one of ${MARK_AS_STATES.join(", ")}, not ${JSON.stringify(state ?? null).slice(0, 40)}`, { status: 422 });
    const unknown = Object.keys(rest);
    if (unknown.length) throw new UserError(`unknown property '${unknown[0].slice(0, 50)}': the body is {"taskRunId", "state"}`, { status: 422 });
    const marked = await deps.executor.handle({ type: "mark-as", executionId: execution.id, taskRunId, state });
    // as markAs saved it, RESTARTED (Kestra's answer); the executor then carries on
    const { execution: saved, taskRuns } = marked?.restarted ?? (await load(execution.id));
    return c.json(await executionJson(deps.store, saved, taskRuns));
  });

  return app;
}

async function jsonBody(c: Context, shape: string): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) throw new UserError(`a JSON body is needed: ${shape}`, { status: 400 });
  return parseJsonFromOutside(text, "the body");
}

/** Kestra's List<Label>: [{key, value}], each a non-empty key and a text value */
function labelList(value: unknown, where: string): Record<string, string> {
  if (!Array.isArray(value)) throw new UserError(`${where} must be a list of labels [{"key": "…", "value": "…"}]`, { status: 422 });
  if (value.length > MAX_LABELS) throw new UserError(`${where}: at most ${MAX_LABELS} labels (${value.length} given)`, { status: 422 });
  const labels: Record<string, string> = {};
  value.forEach((label: unknown, i) => {
    const { key, value: text } = (label ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== "string" || !key.trim() || typeof text !== "string" || (label && Object.keys(label).some((k) => k !== "key" && k !== "value"))) {
      throw new UserError(`${where}[${i}] must be {"key": text, "value": text}`, { status: 422 });
    }
    assertStorableText(key, `label key '${key.slice(0, 50)}'`, 422);
    assertStorableText(text, `label ${key.slice(0, 50)}`, 422);
    labels[key] = text;
  });
  return labels;
}

const userLabels = (execution: ExecutionRecord) => Object.fromEntries(Object.entries(execution.labels).filter(([key]) => !key.startsWith(SYSTEM_LABEL_PREFIX)));

/**
 * Kestra's mergeSystemLabels: the given labels replace the execution's own, its `system.*`
 * labels stay; a `system.*` label given with another value is refused (only Ferry sets them).
 */
function mergeLabels(execution: ExecutionRecord, given: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(given)) {
    if (key.startsWith(SYSTEM_LABEL_PREFIX) && execution.labels[key] !== value) {
      // Kestra's mergeSystemLabels throws IllegalArgumentException: a 422 (ExecutionControllerTest.shouldNotAllowAddingSystemLabels)
      throw new UserError(`System labels can only be set by Kestra itself, offending label: ${key}=${value}`, { status: 422 });
    }
  }
  const system = Object.fromEntries(Object.entries(execution.labels).filter(([key]) => key.startsWith(SYSTEM_LABEL_PREFIX)));
  return { ...given, ...system, [CORRELATION_ID_LABEL]: execution.labels[CORRELATION_ID_LABEL] ?? execution.id };
}
