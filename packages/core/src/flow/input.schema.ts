import { z } from "zod";

/** the types an input or output may declare, as Kestra names them */
export const TYPES = ["STRING", "INT", "FLOAT", "BOOLEAN", "DATETIME", "DATE", "TIME", "DURATION", "JSON", "YAML", "FILE", "SELECT", "MULTISELECT", "ARRAY", "URI", "EMAIL", "SECRET", "ENUM"] as const;

/** a flow's input: its type and the rules a value must meet (inputs.ts enforces them) */
export const inputSchema = z.looseObject({
  id: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]*$/, "an input id starts with a letter or '_'"),
  type: z.enum(TYPES),
  defaults: z.unknown().optional(),
  required: z.boolean().optional(),
  description: z.string().optional(),
  values: z.array(z.unknown()).optional(),
});

/** a flow output: its value rendered at the end, then typed */
export const outputSchema = z.looseObject({
  id: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]*$/),
  type: z.enum(TYPES),
  value: z.unknown(),
  description: z.string().optional(),
});

