import { schema, z } from "@ferry/sdk";

/**
 * Kestra's ForEachItem.Batch: how the items file is cut; rows 1 when none is given. Several ways may be
 * given at once, as Kestra's Batch (no validation; rows even defaults to 1 beside any other) allows: the
 * `_split` step takes the first of regexPattern, bytes, partitions, rows, as StorageService.split does
 * (the docs' ForEachItem syntax gives rows, bytes and partitions together).
 */
export const batchSchema = z.strictObject({
  rows: schema.int({ min: 1 }).optional(),
  bytes: schema.text().optional(),
  partitions: schema.int({ min: 1 }).optional(),
  regexPattern: z.string().min(1).optional(),
  separator: z.string().default("\n"),
});

/** a value still holding an expression: the `_split` step renders it and checks it against batchSchema */
const templated = z.string().regex(/\{\{|\{%/, "expected a number or an expression");

/**
 * The batch as the ForEachItem itself holds it, unrendered (Kestra's Batch fields are Property<Integer>,
 * e.g. rows: "{{ inputs.batch }}"): a literal is checked here, an expression by the `_split` step once rendered.
 */
export const rawBatchSchema = z.strictObject({
  rows: z.union([schema.int({ min: 1 }), templated]).optional(),
  bytes: schema.text().optional(),
  partitions: z.union([schema.int({ min: 1 }), templated]).optional(),
  regexPattern: z.string().min(1).optional(),
  separator: z.string().default("\n"),
});

