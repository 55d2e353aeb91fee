import { schema, z } from "@ferry/sdk";

const oneWay = (batch: Record<string, unknown>, ctx: z.RefinementCtx) => {
  const given = (["rows", "bytes", "partitions", "regexPattern"] as const).filter((key) => batch[key] !== undefined);
  if (given.length > 1) ctx.addIssue({ code: "custom", path: [given[1]], message: `give one way to cut the items, not ${given.join(" and ")}` });
};

/** Kestra's ForEachItem.Batch: how the items file is cut; rows 1 when none is given */
export const batchSchema = z
  .strictObject({
    rows: schema.int({ min: 1 }).optional(),
    bytes: schema.text().optional(),
    partitions: schema.int({ min: 1 }).optional(),
    regexPattern: z.string().min(1).optional(),
    separator: z.string().default("\n"),
  })
  .superRefine(oneWay);

/** a value still holding an expression: the `_split` step renders it and checks it against batchSchema */
const templated = z.string().regex(/\{\{|\{%/, "expected a number or an expression");

/**
 * The batch as the ForEachItem itself holds it, unrendered (Kestra's Batch fields are Property<Integer>,
 * e.g. rows: "{{ inputs.batch }}"): a literal is checked here, an expression by the `_split` step once rendered.
 */
export const rawBatchSchema = z
  .strictObject({
    rows: z.union([schema.int({ min: 1 }), templated]).optional(),
    bytes: schema.text().optional(),
    partitions: z.union([schema.int({ min: 1 }), templated]).optional(),
    regexPattern: z.string().min(1).optional(),
    separator: z.string().default("\n"),
  })
  .superRefine(oneWay);

