import { NotFoundError, UserError, z } from "@ferry/sdk";
import { Hono, type Context } from "hono";
import type { DeclaredTrigger } from "../../triggers/declared-triggers.js";
import type { ApiDeps } from "../api-deps.js";
import { onlyQuery, pageOf } from "../params.js";

const disabledBody = z.object({ disabled: z.boolean() });
const backfillBody = z.object({
  start: z.iso.datetime({ offset: true }),
  end: z.iso.datetime({ offset: true }).optional(),
  labels: z.record(z.string(), z.string()).optional(),
});

/** Triggers of live flows with their state (Kestra's `{abstractTrigger, triggerContext}`), enable/disable, backfill. */
export function triggerRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  const { triggers, repository } = deps;

  const json = (t: DeclaredTrigger) => {
    const state = triggers.index.state(t.ref);
    const { conditions, ...declared } = t.spec;
    return {
      abstractTrigger: { ...declared, ...(conditions ? { conditions } : {}) },
      triggerContext: {
        namespace: t.ref.namespace,
        flowId: t.ref.flowId,
        triggerId: t.ref.triggerId,
        flowRevision: t.flow.revision,
        kind: t.kind ?? null,
        disabled: Boolean(state?.disabled || t.spec.disabled),
        date: state?.lastFire ?? null,
        nextExecutionDate: state?.nextFire ?? null,
        updatedDate: state?.updated ?? null,
      },
    };
  };

  const find = async (c: Context) => {
    const { namespace, flowId, triggerId } = c.req.param() as Record<string, string>;
    const found = (await triggers.index.of(namespace, flowId)).find((t) => t.ref.triggerId === triggerId);
    if (!found) throw new NotFoundError(`trigger ${triggerId} of flow ${namespace}.${flowId} not found`);
    return found;
  };

  const body = async <T>(c: Context, schema: z.ZodType<T>): Promise<T> => {
    const parsed = schema.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
      throw new UserError(`invalid body: ${errors.map((e) => `${e.path || "body"}: ${e.message}`).join("; ")}`, { status: 400, errors });
    }
    return parsed.data;
  };

  app.get("/search", async (c) => {
    onlyQuery(c, ["namespace", "flowId", "q", "page", "size"]);
    await triggers.index.refresh();
    const namespace = c.req.query("namespace");
    const flowId = c.req.query("flowId");
    const q = c.req.query("q")?.toLowerCase();
    const all = (await triggers.index.all()).filter(
      (t) =>
        (!namespace || t.ref.namespace === namespace || t.ref.namespace.startsWith(`${namespace}.`)) &&
        (!flowId || t.ref.flowId === flowId) &&
        (!q || [t.ref.namespace, t.ref.flowId, t.ref.triggerId].some((s) => s.toLowerCase().includes(q))),
    );
    const { page, size } = pageOf(c.req.query());
    return c.json({ results: all.slice((page - 1) * size, page * size).map(json), total: all.length });
  });

  /** Kestra's searchTriggersForFlow: a flow's triggers as Kestra's `Trigger` (the context alone), paged */
  app.get("/:namespace/:flowId", async (c) => {
    onlyQuery(c, ["q", "page", "size"]);
    const { namespace, flowId } = c.req.param();
    await triggers.index.refresh();
    const q = c.req.query("q")?.toLowerCase();
    const all = (await triggers.index.of(namespace, flowId)).filter((t) => !q || t.ref.triggerId.toLowerCase().includes(q));
    const { page, size } = pageOf(c.req.query());
    return c.json({ results: all.slice((page - 1) * size, page * size).map((t) => json(t).triggerContext), total: all.length });
  });

  app.get("/:namespace/:flowId/:triggerId", async (c) => c.json(json(await find(c))));

  /** `{disabled: true|false}`; enabling resumes a schedule from now, without a backlog */
  app.put("/:namespace/:flowId/:triggerId", async (c) => {
    const trigger = await find(c);
    const { disabled } = await body(c, disabledBody);
    const state = await repository.setTriggerDisabled(trigger.ref, disabled);
    if (!disabled && trigger.kind === "schedule") {
      const now = new Date();
      await repository.recordTriggerFire(trigger.ref, now.toISOString(), trigger.definition.nextFire?.(trigger.properties, now)?.toISOString());
    }
    triggers.index.remember(state);
    await triggers.index.refresh();
    return c.json(json(trigger));
  });

  app.post("/:namespace/:flowId/:triggerId/backfill", async (c) => {
    const trigger = await find(c);
    if (trigger.kind !== "schedule") throw new UserError(`trigger ${trigger.ref.triggerId} is not a schedule; only schedules can be backfilled`, { status: 400 });
    const request = await body(c, backfillBody);
    const start = new Date(request.start);
    const end = request.end ? new Date(request.end) : new Date();
    if (end < start) throw new UserError("backfill end is before its start", { status: 400 });
    return c.json(await triggers.scheduler.backfill(trigger, start, end, request.labels));
  });

  return app;
}
