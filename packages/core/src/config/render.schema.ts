import { z } from "zod";

const limit = (doc: string) => z.coerce.number().int().positive().optional().describe(doc);

/**
 * ferry.yaml's `render` section: what one render of a template may spend before it fails with
 * an error naming the limit (`render.maxIterations`, …). Unset keys keep defaults that no real
 * flow comes near (DEFAULT_RENDER_LIMITS); they stop a runaway template, not ordinary ones.
 */
export const renderLimitsSchema = z
  .strictObject({
    maxOutputLength: limit("characters of one rendered string, or of any string made on the way (default 10,000,000)"),
    maxCollectionSize: limit("elements of any list or map a range, operator or filter makes (default 1,000,000)"),
    maxIterations: limit("steps of work in one render: loop iterations, elements and characters that filters, comparisons and JSON parsing touch (default 10,000,000)"),
    maxDepth: limit("how deep templates, expressions and rendered values may nest (default 200)"),
    timeoutMs: limit("wall time of one render, in milliseconds (default 5000)"),
  })
  .describe("limits of one template render");
