import { flowJsonSchema } from "@ferry/core";
import { Hono, type MiddlewareHandler } from "hono";
import type { ApiDeps } from "./api-deps.js";
import { authMiddleware, open } from "./auth.js";
import { errorHandler } from "./errors.js";
import { openApiDocument } from "./openapi.js";
import { refuseOtherTenants, tenantlessPath } from "./tenant.js";
import { prometheusRegistry } from "./prometheus.js";
import { bodyHeader, bodyRead, limitBody } from "./request-body.js";
import { executionDeleteRoutes } from "./routes/execution-delete.routes.js";
import { executionBulkRoutes } from "./routes/execution-bulk.routes.js";
import { executionStatisticsRoutes } from "./routes/execution-statistics.routes.js";
import { flowGraphRoutes } from "./routes/flow-graph.routes.js";
import { pluginDocRoutes } from "./routes/plugin-docs.routes.js";
import { uiRoutes } from "./routes/ui.routes.js";
import { executionFileRoutes } from "./routes/execution-files.routes.js";
import { executionRoutes } from "./routes/executions.routes.js";
import { executionActionRoutes } from "./routes/execution-actions.routes.js";
import { executionResumeRoutes } from "./routes/execution-resume.routes.js";
import { flowRoutes } from "./routes/flows.routes.js";
import { flowTransferRoutes } from "./routes/flow-transfer.routes.js";
import { kvRoutes } from "./routes/kv.routes.js";
import { connectionRoutes } from "./routes/connections.routes.js";
import { logRoutes } from "./routes/logs.routes.js";
import { historyRoutes, logSearchRoutes } from "./routes/history.routes.js";
import { metricsRoutes } from "./routes/metrics.routes.js";
import { namespaceFileRoutes } from "./routes/namespace-files.routes.js";
import { namespaceRoutes } from "./routes/namespaces.routes.js";
import { secretRoutes } from "./routes/secrets.routes.js";
import { kestraConfigurationRoutes, serverInfoRoutes } from "./routes/server-info.routes.js";
import { triggerRoutes } from "./routes/triggers.routes.js";
import { webhookRoutes } from "./routes/webhook.routes.js";

/**
 * A response sent before its request's body was read (401, 404, 413…) closes the connection:
 * Node cannot reuse a socket with unread bytes in it and drops it, and a client that sent its
 * next request on it would see "other side closed" instead of an answer.
 */
const closeWhenBodyUnread: MiddlewareHandler = async (c, next) => {
  await next();
  const length = bodyHeader(c, "content-length");
  const hasBody = length ? length !== "0" : bodyHeader(c, "transfer-encoding") !== undefined;
  if (hasBody && (!bodyRead(c) || c.res.status === 413)) c.header("Connection", "close");
};

/**
 * NUL in a path or query is never a name Ferry holds, and PostgreSQL refuses it in a query:
 * 400 here rather than a database error.
 */
const refuseNul: MiddlewareHandler = async (c, next) => {
  if (/%00|\u0000/.test(c.req.url)) return c.json({ message: "the request's path or query holds a NUL character (%00)" }, 400);
  return next();
};

/** The HTTP API: Kestra's paths and JSON shapes under /api/v1, and under /api/v1/main (Kestra's tenant path). */
export function createApp(deps: ApiDeps): Hono {
  const app = new Hono({ getPath: tenantlessPath });
  app.onError(errorHandler(deps.logger));
  app.notFound((c) => c.json({ message: `no route ${c.req.method} ${c.req.path}` }, 404));
  app.use("*", closeWhenBodyUnread);
  app.use("*", refuseNul);
  const auth = deps.config.server.auth;
  if (auth && (auth.basic.length || auth.tokens.length)) app.use("*", authMiddleware(auth));
  app.use("/api/*", refuseOtherTenants);
  app.use(
    "/api/*",
    limitBody(deps.config.server.maxBodySize, (c) => c.json({ message: `request body over ${deps.config.server.maxBodySize} bytes` }, 413)),
  );

  const health = open((c) => c.json({ status: "UP" }));
  app.get("/health", health);
  app.get("/health/live", health);
  app.get("/api/v1/health", health);
  /** ready: the repository answers and the queue takes messages (503 otherwise, saying which) */
  app.get(
    "/health/ready",
    open(async (c) => {
      const repository = await deps.repository.searchFlows({ page: 1, size: 1 }).then(
        () => "UP",
        () => "DOWN",
      );
      const queue = deps.queue.available?.() === false ? "DOWN" : "UP";
      const up = repository === "UP" && queue === "UP";
      return c.json({ status: up ? "UP" : "DOWN", checks: { repository, queue } }, up ? 200 : 503);
    }),
  );
  const registry = prometheusRegistry({ ...deps, groups: deps.config.worker.groups });
  app.get("/metrics", async (c) => c.text(await registry.metrics(), 200, { "content-type": registry.contentType }));
  app.get("/api/v1/openapi.json", (c) => c.json(openApiDocument));

  app.route("/api/v1/flows", flowGraphRoutes(deps));
  app.route("/api/v1/flows", flowTransferRoutes(deps));
  app.route("/api/v1/flows", flowRoutes(deps));
  app.route("/api/v1/executions/webhook", webhookRoutes(deps));
  // before executionRoutes: POST /restart/by-ids and /statistics/daily also match POST /:namespace/:flowId
  app.route("/api/v1/executions", executionBulkRoutes(deps));
  app.route("/api/v1/executions", executionStatisticsRoutes(deps));
  app.route("/api/v1/executions", executionFileRoutes(deps));
  app.route("/api/v1/executions", executionActionRoutes(deps));
  app.route("/api/v1/executions", executionResumeRoutes(deps));
  app.route("/api/v1/executions", executionDeleteRoutes(deps));
  app.route("/api/v1/executions", executionRoutes(deps));
  app.route("/api/v1/triggers", triggerRoutes(deps));
  // before /:executionId, which would otherwise match it
  app.route("/api/v1/logs", logSearchRoutes(deps));
  app.route("/api/v1/logs", logRoutes(deps));
  app.route("/api/v1/history", historyRoutes(deps));
  app.route("/api/v1/metrics", metricsRoutes(deps));
  app.route("/api/v1/namespaces", namespaceFileRoutes(deps));
  app.route("/api/v1/namespaces", secretRoutes(deps));
  app.route("/api/v1/namespaces", kvRoutes(deps));
  app.route("/api/v1/namespaces", connectionRoutes(deps));
  // after the routes under /namespaces/{namespace}/...: GET /namespaces/{id} is one segment
  app.route("/api/v1/namespaces", namespaceRoutes(deps));
  app.get("/api/v1/workers", (c) => c.json(deps.workers.list()));
  app.route("/api/v1/server", serverInfoRoutes(deps));
  app.route("/api/v1/configs", kestraConfigurationRoutes(deps));
  let flowSchema: object | undefined;
  app.get("/api/v1/plugins/schemas/flow", (c) => c.json((flowSchema ??= flowJsonSchema(deps.registry))));
  app.route("/api/v1/plugins", pluginDocRoutes(deps));
  app.get("/api/v1/plugins", (c) =>
    c.json(
      deps.registry.plugins.map((p) => ({
        name: p.name,
        version: p.version,
        tasks: p.tasks.map((t) => ({ type: t.type, aliases: t.aliases ?? [], kind: t.kind, title: t.title })),
        triggers: p.triggers.map((t) => ({ type: t.type, aliases: t.aliases ?? [], kind: t.kind ?? null, title: t.title })),
        connectionTypes: (p.connectionTypes ?? []).map((t) => ({ type: t.type, title: t.title, secretFields: t.secretFields, testable: Boolean(t.test) })),
      })),
    ),
  );
  app.route("/", uiRoutes());
  return app;
}
