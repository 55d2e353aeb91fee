import { defineTask, schema, UserError, z } from "@ferry/sdk";

const dateTime = z.string().refine((v) => !Number.isNaN(Date.parse(v)), { message: "expected an ISO-8601 date-time such as 2026-01-01T00:00:00Z" });

export const countTask = defineTask({
  kind: "runnable",
  type: "core.execution.Count",
  aliases: ["io.kestra.plugin.core.execution.Count", "io.kestra.core.tasks.executions.Counts", "io.kestra.plugin.core.execution.Counts"],
  title: "Count executions",
  description:
    "Counts the executions started between `startDate` and `endDate` (now when absent), in `states` when given, for each of `flows` (one row per flow) and each of `namespaces` " +
    "(one row per namespace, its children included); at least one of the two is required. `expression` is rendered for each row with `count` set, and rows where it renders " +
    "`true` are kept. Outputs `results` ([{namespace, flowId, count}]) and `total`, the sum of the kept counts.",
  properties: z
    .strictObject({
      flows: z.array(z.strictObject({ namespace: z.string().min(1), flowId: z.string().min(1) })).optional(),
      namespaces: z.array(z.string().min(1)).optional(),
      states: schema.stateTypes("states").optional(),
      startDate: dateTime,
      endDate: dateTime.optional(),
      expression: z.string().min(1),
    })
    .refine((p) => p.flows !== undefined || p.namespaces !== undefined, { message: "You must provide a list of flows or namespaces." }),
  rawProperties: ["expression"],
  outputs: z.object({ results: z.array(z.object({ namespace: z.string(), flowId: z.string().nullable(), count: z.number() })), total: z.number() }),
  async run(ctx, props) {
    const rows = await ctx.executions.count({
      flows: props.flows, namespaces: props.namespaces, states: props.states,
      startDate: new Date(props.startDate).toISOString(), endDate: props.endDate ? new Date(props.endDate).toISOString() : undefined,
    });
    ctx.logger.trace(`${rows.length} flows matching filters`);
    const results: Array<{ namespace: string; flowId: string | null; count: number }> = [];
    for (const row of rows) {
      const verdict = await ctx.render(props.expression, { count: row.count });
      if (typeof verdict !== "string" && typeof verdict !== "boolean") throw new UserError(`expression must render true or false, got ${JSON.stringify(verdict)}`);
      if (String(verdict).trim() === "true") results.push({ namespace: row.namespace, flowId: row.flowId ?? null, count: row.count });
    }
    ctx.logger.debug(`${results.length} flows matching the expression`);
    return { results, total: results.reduce((n, r) => n + r.count, 0) };
  },
});
