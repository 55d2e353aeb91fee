import { NotFoundError, parseJsonFromOutside } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { namespaceParam, onlyQuery } from "../params.js";

/**
 * The KV store's API, as Kestra documents it: PUT a JSON body (its type inferred: a string, an
 * ISO date-time, date or duration, a number, a boolean, an object or array; optional `ttl`
 * header), GET `{type, value}`, list metadata, DELETE answering `true` or `false`.
 */
export function kvRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { kv } = deps;

  app.get("/:namespace/kv", async (c) => {
    onlyQuery(c, ["prefix"]);
    const records = await kv.list(namespaceParam(c), c.req.query("prefix") ?? "");
    return c.json(records.map((r) => ({ key: r.key, type: r.type, creationDate: r.created, updateDate: r.updated, expirationDate: r.expires ?? null })));
  });

  app.get("/:namespace/kv/:key", async (c) => {
    const namespace = namespaceParam(c);
    const found = await kv.get(namespace, c.req.param("key"));
    if (!found) throw new NotFoundError(`no KV pair ${c.req.param("key")} in namespace ${namespace}`);
    return c.json(found);
  });

  app.put("/:namespace/kv/:key", async (c) => {
    const namespace = namespaceParam(c);
    const text = await c.req.text();
    const value = parseJsonFromOutside(text, 'the body (a JSON value: "Hello World", 42, true, {"a": 1}, …)');
    const record = await kv.set(namespace, c.req.param("key"), value, { ttl: c.req.header("ttl") });
    return c.json({ key: record.key, type: record.type, creationDate: record.created, updateDate: record.updated, expirationDate: record.expires ?? null });
  });

  app.delete("/:namespace/kv/:key", async (c) => c.json(await kv.delete(namespaceParam(c), c.req.param("key"))));

  return app;
}
