import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { WebhookService } from "../../triggers/webhook-service.js";
import type { ApiDeps } from "../api-deps.js";
import { open } from "../auth.js";
import { headerLists, requestBody } from "../request-body.js";

/**
 * `GET|POST|PUT /api/v1/executions/webhook/{namespace}/{flowId}/{key}`: Kestra's webhook, open
 * (its key is its credential). The WebhookService decides; this adapts HTTP to it.
 */
export function webhookRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const service = new WebhookService({
    lookup: deps.triggers.webhooks, rateLimiter: deps.triggers.rateLimiter, starter: deps.triggers.starter,
    waiter: deps.waiter, repository: deps.repository, store: deps.store, logger: deps.logger, events: deps.events,
  });

  const handle = open(async (c: Context) => {
    // Hono answers HEAD with the GET handler: a link previewer or prefetcher must not start a flow
    if (c.req.method === "HEAD") return c.json({ message: "a webhook is called with GET, POST or PUT" }, 405, { Allow: "GET, POST, PUT" });
    const { namespace, flowId, key } = c.req.param();
    const answer = await service.call({
      namespace, flowId, key,
      body: () => requestBody(c),
      headers: headerLists(c),
      parameters: c.req.queries(),
    });
    for (const [name, value] of Object.entries(answer.headers ?? {})) c.header(name, value);
    if (answer.status === 204) return c.body(null, 204);
    return c.json(answer.body, answer.status as ContentfulStatusCode);
  });
  app.on(["GET", "POST", "PUT"], "/:namespace/:flowId/:key", handle);
  return app;
}
