import { parseFlow } from "@ferry/core";
import { NotFoundError } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { revisionQuery } from "../params.js";
import { flowGraph } from "../ui/flow-graph.js";

/** `GET /api/v1/flows/{namespace}/{id}/graph[?revision=]`: the topology the UI draws, in Kestra's FlowGraph shape */
export function flowGraphRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/:namespace/:id/graph", async (c) => {
    const { namespace, id } = c.req.param();
    const record = await deps.repository.getFlow(namespace, id, revisionQuery(c));
    if (!record) throw new NotFoundError(`flow ${namespace}.${id} not found`);
    return c.json(flowGraph(parseFlow(record.source, deps.registry), deps.registry));
  });
  return app;
}
