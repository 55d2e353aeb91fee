import { NotFoundError } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { onlyQuery } from "../params.js";

/** Kestra's `GET /api/v1/metrics/{executionId}`: the numbers an execution's tasks reported (from history once it ended and was exported). */
export function metricsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/:executionId", async (c) => {
    const executionId = c.req.param("executionId");
    onlyQuery(c, ["taskId", "taskRunId"]);
    const metrics = await deps.history.findMetrics(executionId, { taskId: c.req.query("taskId"), taskRunId: c.req.query("taskRunId") });
    if (!metrics) throw new NotFoundError(`execution ${executionId} not found`);
    return c.json(metrics);
  });
  return app;
}
