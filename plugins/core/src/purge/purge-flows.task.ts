import { defineTask, schema, z } from "@ferry/sdk";

const example = `id: purge_flow_revisions
namespace: system
tasks:
  - id: purge_flows
    type: io.kestra.plugin.core.flow.PurgeFlows
    namespaces:
      - company
    includeChildNamespaces: true
    flowPattern: "*_deprecated"
    behavior:
      type: version
      keepAmount: 2
`;

// Kestra's io.kestra.plugin.core.flow.Version: `before` and `keepAmount` exclude each other
const version = z
  .strictObject({
    type: z.literal("version"),
    before: z
      .string()
      .refine((v) => !Number.isNaN(Date.parse(v)), { message: "expected an ISO-8601 instant such as 2026-01-01T00:00:00Z" })
      .transform((v) => new Date(v).toISOString())
      .optional(),
    keepAmount: z.number().int().min(1).optional(),
  })
  .refine((b) => b.before === undefined || b.keepAmount === undefined, { message: "Cannot set both 'before' and 'keepAmount' properties" });

export const purgeFlowsTask = defineTask({
  kind: "runnable",
  type: "core.PurgeFlows",
  aliases: ["io.kestra.plugin.core.flow.PurgeFlows"],
  title: "Purge old flow revisions",
  description:
    "Removes old revisions of live flows, as Kestra's PurgeFlows: of `namespaces` (with their children unless `includeChildNamespaces: false`) or those matching `namespacePattern`, every namespace when neither is given, and of flows whose id matches the glob `flowPattern`. `behavior: {type: version}` picks them: beyond the `keepAmount` newest (1 by default), or saved at or before `before`; the latest revision of a flow is always kept, so a flow never goes. Outputs `size`, how many revisions went.",
  properties: z
    .strictObject({
      namespaces: z.array(z.string().min(1)).optional(),
      namespacePattern: z.string().min(1).optional(),
      includeChildNamespaces: schema.bool().default(true),
      flowPattern: z.string().min(1).optional(),
      behavior: version.default({ type: "version", keepAmount: 1 }),
    })
    // Kestra's PurgeTask.findNamespaces
    .refine((p) => !(p.namespaces?.length && p.namespacePattern), {
      message: "Properties `namespaces` and `namespacePattern` can't be used at the same time — use one or the other.",
    }),
  outputs: z.object({ size: z.number() }),
  examples: [{ title: "Purge old flow revisions for a namespace tree", flow: example }],
  async run(ctx, props) {
    const { behavior, ...query } = props;
    const size = await ctx.purge.flows({ ...query, keepAmount: behavior.keepAmount, before: behavior.before });
    ctx.logger.info(`purged ${size} flow revisions`);
    return { size };
  },
});
