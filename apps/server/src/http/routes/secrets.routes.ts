import { NotFoundError, UserError, z } from "@ferry/sdk";
import { Hono, type Context } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { namespaceParam } from "../params.js";

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/**
 * Secrets of a namespace: names only, never values (no route here returns one). Writes go
 * to the configured backend when it is writable (database, Vault); a read-only backend
 * (env) answers 405.
 */
export function secretRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { secrets } = deps;

  const where = (c: Context) => {
    const namespace = namespaceParam(c);
    const name = c.req.param("name");
    if (name !== undefined && !NAME.test(name)) throw new UserError(`'${name}' is not a secret name (letters, digits, '_', '-', '.')`, { status: 400 });
    return { namespace, name: name! };
  };
  const readOnly = () => new UserError(`the configured secret backend (${deps.config.secrets.type}) is read-only; set secrets where it reads them`, { status: 405 });

  app.get("/:namespace/secrets", async (c) => {
    const { namespace } = where(c);
    const names = await secrets.list(namespace);
    return c.json({ readOnly: !secrets.set, results: names.map((key) => ({ key })), total: names.length });
  });

  /** the value as JSON `{"value": "…"}`, or the raw body */
  app.put("/:namespace/secrets/:name", async (c) => {
    const { namespace, name } = where(c);
    if (!secrets.set) throw readOnly();
    const text = await c.req.text();
    let value = text;
    if ((c.req.header("content-type") ?? "").includes("json")) {
      const parsed = z.object({ value: z.string() }).safeParse(JSON.parse(text));
      if (!parsed.success) throw new UserError('the body must be {"value": "…"} (or the value as text/plain)', { status: 400 });
      value = parsed.data.value;
    }
    await secrets.set(namespace, name, value);
    return c.json({ namespace, key: name });
  });

  app.delete("/:namespace/secrets/:name", async (c) => {
    const { namespace, name } = where(c);
    if (!secrets.delete) throw readOnly();
    if (!(await secrets.delete(namespace, name))) throw new NotFoundError(`no secret ${name} in namespace ${namespace}`);
    return c.body(null, 204);
  });

  return app;
}
