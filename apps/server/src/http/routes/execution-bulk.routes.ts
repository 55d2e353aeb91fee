import { isTerminal, parseJsonFromOutside, UserError, type ExecutionRecord } from "@ferry/sdk";
import { notRestartable } from "@ferry/engine";
import { Hono, type Context } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { assertRestartable } from "./executions.routes.js";

/** at most this many ids a call: a bulk action is a page of the list, not the whole history */
const MAX_IDS = 1000;

async function idsOf(c: Context): Promise<string[]> {
  const text = await c.req.text();
  const body = text.trim() ? parseJsonFromOutside(text, "the list of execution ids") : undefined;
  if (!Array.isArray(body) || !body.every((id) => typeof id === "string" && id.length > 0 && id.length <= 100)) {
    throw new UserError('the body must be a JSON array of execution ids (["0190…", …])', { status: 400 });
  }
  if (body.length > MAX_IDS) throw new UserError(`${body.length} ids: at most ${MAX_IDS} a call`, { status: 422 });
  return [...new Set(body as string[])];
}

interface Invalid {
  key: string;
  message: string;
}

/**
 * Kestra's bulk actions by id: every id is checked first; when any cannot be acted on, nothing
 * is done and the answer is 422 `{message, invalids: [{key, message}]}`; otherwise `{count}`.
 */
async function bulk(c: Context, deps: ApiDeps, what: string, check: (e: ExecutionRecord) => Promise<string | undefined>, act: (e: ExecutionRecord) => Promise<unknown>) {
  const ids = await idsOf(c);
  const found: ExecutionRecord[] = [];
  const invalids: Invalid[] = [];
  for (const id of ids) {
    const execution = (await deps.repository.getExecution(id))?.execution;
    const problem = execution ? await check(execution) : `execution ${id} not found`;
    if (problem) invalids.push({ key: id, message: problem });
    else found.push(execution!);
  }
  if (invalids.length) return c.json({ message: `invalid bulk ${what}: ${invalids.length} of ${ids.length} executions cannot be ${what === "kill" ? "killed" : "restarted"}`, invalids }, 422);
  for (const execution of found) await act(execution);
  return c.json({ count: found.length });
}

export function executionBulkRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.delete("/kill/by-ids", (c) =>
    bulk(
      c, deps, "kill",
      async (e) => (isTerminal(e.state.current) ? `execution ${e.id} already ended ${e.state.current}` : undefined),
      (e) => deps.executor.handle({ type: "kill", executionId: e.id }),
    ),
  );
  app.post("/restart/by-ids", (c) =>
    bulk(
      c, deps, "restart",
      async (e) => {
        const refused = notRestartable(e);
        if (refused) return refused;
        return assertRestartable(deps, e).then(() => undefined, (error: Error) => error.message);
      },
      (e) => deps.executor.handle({ type: "restart", executionId: e.id }),
    ),
  );
  return app;
}
