import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { booleanQuery, namespaceParam, onlyQuery, pageOf } from "../params.js";

/**
 * Namespaces (Kestra's NamespaceController): Ferry keeps no namespace records; a namespace exists
 * while a flow, a KV pair or a connection is in it or below it (`company.team` brings `company`).
 */
export function namespaceRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const all = async () => {
    const ids = new Set<string>();
    for (const namespace of await deps.repository.listNamespaces()) {
      const parts = namespace.split(".");
      parts.forEach((_, i) => ids.add(parts.slice(0, i + 1).join(".")));
    }
    return [...ids].sort();
  };

  app.get("/", async (c) => c.json((await all()).map((id) => ({ id }))));

  /**
   * Kestra's searchNamespaces: `q` is a case-insensitive part of the id; pages of 10 unless told.
   * `existing=true` asks for namespaces that exist: every one Ferry answers does.
   */
  app.get("/search", async (c) => {
    onlyQuery(c, ["q", "page", "size", "existing"]);
    booleanQuery(c.req.query("existing"), "existing", false);
    const q = c.req.query("q")?.toLowerCase();
    const found = (await all()).filter((id) => !q || id.toLowerCase().includes(q));
    const { page, size } = pageOf({ size: "10", ...c.req.query() });
    return c.json({ results: found.slice((page - 1) * size, page * size).map((id) => ({ id, deleted: false, disabled: false })), total: found.length });
  });

  /** Kestra's getNamespace answers any well-formed id, as Kestra's OSS edition does (it keeps no namespace records either) */
  app.get("/:namespace", (c) => c.json({ id: namespaceParam(c), deleted: false }));
  return app;
}
