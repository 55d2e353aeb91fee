import { ConflictError, UserError } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { dateQuery, EXACT_COUNT_LIMIT, onlyQuery, pageOf } from "../params.js";
import { levelQuery } from "./logs.routes.js";

/** `GET /api/v1/logs/search`: full-text search over every execution's log lines (newest first, keyset pages) */
export function logSearchRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/search", async (c) => {
    onlyQuery(c, ["q", "namespace", "flowId", "minLevel", "startDate", "endDate", "page", "size", "after"]);
    const q = c.req.query("q")?.trim();
    if (!q) throw new UserError("query parameter q (the words to look for) is required", { status: 400 });
    const found = await deps.history.history.searchLogs({
      q,
      namespace: c.req.query("namespace") || undefined,
      flowId: c.req.query("flowId") || undefined,
      minLevel: levelQuery(c),
      from: dateQuery(c.req.query("startDate"), "startDate"),
      to: dateQuery(c.req.query("endDate"), "endDate"),
      ...pageOf(c.req.query()),
      after: c.req.query("after") || undefined,
      countUpTo: EXACT_COUNT_LIMIT,
    });
    return c.json({ results: found.results, total: found.total, ...(found.totalEstimated ? { totalEstimated: true } : {}), ...(found.next ? { next: found.next } : {}) });
  });
  return app;
}

/** `GET /api/v1/history`: where history is served from and how far its export is; `POST /rebuild` re-exports it */
export function historyRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/", (c) => c.json({ source: deps.history.history.source, ...(deps.exporter ? { export: deps.exporter.statusNow() } : {}) }));
  app.post("/rebuild", async (c) => {
    const { exporter } = deps;
    if (!exporter) throw new ConflictError(`history type '${deps.config.history.type}' is not exported: there is nothing to rebuild`);
    await exporter.rebuild();
    return c.json({ source: deps.history.history.source, export: exporter.statusNow() }, 202);
  });
  return app;
}
