import { pluginDocPage, propertiesSchema } from "@ferry/core";
import { NotFoundError } from "@ferry/sdk";
import { Hono } from "hono";
import type { ApiDeps } from "../api-deps.js";

/**
 * `GET /api/v1/plugins/{type}`: one task or trigger type's documentation, in Kestra's shape
 * (`{markdown, schema: {properties, outputs}}`), from the definition `ferry plugin docs` reads:
 * the markdown is the very page it writes. A type's alias finds it too.
 */
export function pluginDocRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  app.get("/:type", (c) => {
    const type = c.req.param("type");
    const task = deps.registry.task(type);
    const trigger = task ? undefined : deps.registry.trigger(type);
    const def = task ?? trigger;
    if (!def) throw new NotFoundError(`no task or trigger type '${type}' in the loaded plugins`);
    const plugin = deps.registry.plugins.find((p) => [...p.tasks, ...p.triggers].includes(def as never));
    const outputs = "outputs" in def && def.outputs ? propertiesSchema(def.outputs) : undefined;
    return c.json({
      type: def.type,
      kind: task ? "task" : "trigger",
      taskKind: task?.kind ?? null,
      title: def.title,
      description: def.description ?? null,
      aliases: def.aliases ?? [],
      plugin: plugin ? { name: plugin.name, version: plugin.version } : null,
      examples: ("examples" in def ? def.examples : undefined) ?? [],
      markdown: pluginDocPage(def, task ? "task" : "trigger"),
      schema: { properties: propertiesSchema(def.properties), ...(outputs ? { outputs } : {}) },
    });
  });
  return app;
}
