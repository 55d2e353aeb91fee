import { ConflictError, isTerminal, NotFoundError } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { booleanQuery } from "../params.js";

/**
 * Kestra's `DELETE /api/v1/executions/{id}`: an ended execution goes with its task runs and,
 * unless `deleteLogs`, `deleteMetrics` or `deleteStorage` say false, its logs, metrics and
 * files, as a retention purge would take it (`ferry executions purge` calls it once per
 * execution, to show its progress). One still running is 409: kill it first.
 */
export function executionDeleteRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.delete("/:id", async (c) => {
    const id = c.req.param("id");
    // Kestra's deleteLogs, deleteMetrics, deleteStorage: true unless given false
    const flag = (name: string) => booleanQuery(c.req.query(name), name, true);
    const selection = { logs: flag("deleteLogs"), metrics: flag("deleteMetrics"), storage: flag("deleteStorage") };
    const found = await deps.repository.getExecution(id);
    if (!found) throw new NotFoundError(`execution ${id} not found`);
    const { execution } = found;
    if (!isTerminal(execution.state.current)) throw new ConflictError(`execution ${id} is ${execution.state.current}: only an ended execution can be deleted (kill it first)`);
    await deps.purger.executionsById([execution], selection);
    return c.body(null, 204);
  });
  return app;
}
