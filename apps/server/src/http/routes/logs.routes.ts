import { LOG_LEVELS, NotFoundError, UserError, type LogLevel } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";

export function logRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/:executionId", async (c) => {
    const executionId = c.req.param("executionId");
    const minLevel = c.req.query("minLevel")?.toUpperCase();
    if (minLevel && !LOG_LEVELS.includes(minLevel as LogLevel)) throw new UserError(`unknown level '${minLevel}' (one of ${LOG_LEVELS.join(", ")})`, { status: 400 });
    if (!(await deps.repository.getExecution(executionId))) throw new NotFoundError(`execution ${executionId} not found`);
    const logs = await deps.repository.findLogs(executionId, {
      taskId: c.req.query("taskId"),
      taskRunId: c.req.query("taskRunId"),
      minLevel: minLevel as LogLevel | undefined,
    });
    return c.json(logs);
  });
  return app;
}
