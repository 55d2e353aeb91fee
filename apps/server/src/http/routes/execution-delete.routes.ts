import { ConflictError, isTerminal, NotFoundError } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";

/**
 * Kestra's `DELETE /api/v1/executions/{id}`: an ended execution goes with its task runs, logs,
 * metrics and files, as a retention purge would take it (`ferry executions purge` calls it
 * once per execution, to show its progress). One still running is 409: kill it first.
 */
export function executionDeleteRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    const found = await deps.repository.getExecution(id);
    if (!found) throw new NotFoundError(`execution ${id} not found`);
    const { execution } = found;
    if (!isTerminal(execution.state.current)) throw new ConflictError(`execution ${id} is ${execution.state.current}: only an ended execution can be deleted (kill it first)`);
    await deps.purger.executionsById([execution]);
    return c.body(null, 204);
  });
  return app;
}
