import { schema, z } from "@ferry/sdk";

/** Kestra's ForEachItem.Batch: how the items file is cut; rows 1 when none is given */
export const batchSchema = z
  .strictObject({
    rows: schema.int({ min: 1 }).optional(),
    bytes: schema.text().optional(),
    partitions: schema.int({ min: 1 }).optional(),
    regexPattern: z.string().min(1).optional(),
    separator: z.string().default("\n"),
  })
  .superRefine((batch, ctx) => {
    const given = (["rows", "bytes", "partitions", "regexPattern"] as const).filter((key) => batch[key] !== undefined);
    if (given.length > 1) ctx.addIssue({ code: "custom", path: [given[1]], message: `give one way to cut the items, not ${given.join(" and ")}` });
  });

