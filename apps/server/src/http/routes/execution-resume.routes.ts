import { pausedIteration, resumeCommand, reviewCommand, type ReviewBody } from "@ferry/engine";
import { executionPrefix, namespaceFilesPrefix, NotFoundError, parseJsonFromOutside, UserError, type ExecutionRecord, type TaskRunRecord } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { executionJson } from "../serialize.js";
import { inputsOf } from "./executions.routes.js";

const MAX_IDS = 1000;

/**
 * Resuming PAUSED executions, in Kestra's shapes: one with its Pause's `onResume` inputs (a
 * multipart form or a JSON object), or many by id without inputs. An execution not PAUSED
 * answers 409 naming its state; bad inputs 422 naming the input; nothing changes then.
 * Mounted before the execution routes: `/{id}/resume` and `/resume/by-ids` are also
 * `/{namespace}/{flowId}`.
 */
export function executionResumeRoutes(deps: ApiDeps): Hono {
  const app = new Hono();

  /** the executor's resume of one loaded execution with these inputs (checked first: 409, 422) */
  const commandFor = async (asked: { execution: ExecutionRecord; taskRuns: TaskRunRecord[] }, inputs: Record<string, unknown>, filesRoot: string) => {
    // paused by a Loop: its paused iteration's sub-execution is the one resumed, as in Kestra
    const found = await pausedIteration(deps.repository, asked);
    const { execution } = found;
    const flow = await deps.flows.get(execution.namespace, execution.flowId, execution.flowRevision);
    return resumeCommand(found, flow, deps.registry, inputs, {
      functions: deps.executions.inputFunctionsFor(execution.namespace),
      filePrefixes: [`${filesRoot}/`, `${namespaceFilesPrefix(execution.namespace)}/`],
    });
  };
  const filesRootOf = (execution: ExecutionRecord) => execution.storagePrefix ?? executionPrefix(execution.namespace, execution.flowId, execution.id);

  app.post("/resume/by-ids", async (c) => {
    const text = await c.req.text();
    const ids = text.trim() ? parseJsonFromOutside(text, "the list of execution ids") : undefined;
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string" && id.length > 0 && id.length <= 100)) {
      throw new UserError('the body must be a JSON array of execution ids (["0190…", …])', { status: 400 });
    }
    if (ids.length > MAX_IDS) throw new UserError(`${ids.length} ids: at most ${MAX_IDS} a call`, { status: 422 });
    const commands: Array<Awaited<ReturnType<typeof commandFor>>> = [];
    const invalids: Array<{ key: string; message: string }> = [];
    for (const id of new Set(ids as string[])) {
      const found = await deps.repository.getExecution(id);
      if (!found) {
        invalids.push({ key: id, message: `execution ${id} not found` });
        continue;
      }
      // resumed without inputs, as Kestra's bulk resume: a Pause whose onResume needs a value cannot be
      await commandFor(found, {}, filesRootOf(found.execution)).then(
        (command) => commands.push(command),
        (error: Error) => invalids.push({ key: id, message: error.message }),
      );
    }
    if (invalids.length) return c.json({ message: `invalid bulk resume: ${invalids.length} of ${invalids.length + commands.length} executions cannot be resumed`, invalids }, 422);
    for (const command of commands) await deps.executor.handle(command);
    return c.json({ count: commands.length });
  });

  app.post("/:id/resume", async (c) => {
    const found = await deps.repository.getExecution(c.req.param("id"));
    if (!found) throw new NotFoundError(`execution ${c.req.param("id")} not found`);
    const filesRoot = filesRootOf(found.execution);
    // refused before a file is stored: an execution that is not PAUSED takes no inputs
    if (found.execution.state.current !== "PAUSED") await commandFor(found, {}, filesRoot);
    const inputs = await inputsOf(c, deps, `${filesRoot}/resume`);
    await deps.executor.handle(await commandFor(found, inputs, filesRoot));
    const saved = (await deps.repository.getExecution(found.execution.id))!;
    return c.json(await executionJson(deps.store, saved.execution, saved.taskRuns));
  });

  /**
   * Kestra's review of an Approval (`/executions/{id}/actions/review`): a JSON body
   * `{"decision": "APPROVED"|"DENIED", "comment": …, "inputs": {…}, "taskRunId": …}`. 404 for an
   * unknown execution, 409 when no Approval waits (not paused, already reviewed), 422 for a bad
   * decision, a missing comment or wrong inputs; nothing changes then. Answers the execution.
   */
  app.post("/:id/actions/review", async (c) => {
    const found = await deps.repository.getExecution(c.req.param("id"));
    if (!found) throw new NotFoundError(`execution ${c.req.param("id")} not found`);
    const text = await c.req.text();
    const body = text.trim() ? parseJsonFromOutside(text, "the review") : undefined;
    if (!body || typeof body !== "object" || Array.isArray(body)) {
      throw new UserError('the body must be a JSON object: {"decision": "APPROVED" or "DENIED", "comment": "…", "inputs": {…}}', { status: 400 });
    }
    const { execution } = found;
    const flow = await deps.flows.get(execution.namespace, execution.flowId, execution.flowRevision);
    const command = await reviewCommand(found, flow, deps.registry, deps.store, body as ReviewBody, {
      by: reviewerOf(c.req.header("authorization")),
      functions: deps.executions.inputFunctionsFor(execution.namespace),
      filePrefixes: [`${filesRootOf(execution)}/`, `${namespaceFilesPrefix(execution.namespace)}/`],
    });
    await deps.executor.handle(command);
    const saved = (await deps.repository.getExecution(execution.id))!;
    return c.json(await executionJson(deps.store, saved.execution, saved.taskRuns));
  });

  return app;
}

/** who reviews: the Basic user the request authenticated as (server.auth checked it already), none otherwise */
function reviewerOf(header: string | undefined): string | undefined {
  const [scheme, value = ""] = (header ?? "").split(" ", 2);
  if (scheme.toLowerCase() !== "basic") return undefined;
  try {
    const decoded = atob(value.trim());
    const at = decoded.indexOf(":");
    return (at < 0 ? decoded : decoded.slice(0, at)) || undefined;
  } catch {
    return undefined;
  }
}
