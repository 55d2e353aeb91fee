import { NotFoundError } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { onlyQuery } from "../params.js";

/** Kestra's `GET /api/v1/metrics/{executionId}`: the numbers an execution's tasks reported. */
export function metricsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/:executionId", async (c) => {
    const executionId = c.req.param("executionId");
    onlyQuery(c, ["taskId", "taskRunId"]);
    if (!(await deps.repository.getExecution(executionId))) throw new NotFoundError(`execution ${executionId} not found`);
    return c.json(await deps.repository.findMetrics(executionId, { taskId: c.req.query("taskId"), taskRunId: c.req.query("taskRunId") }));
  });
  return app;
}
