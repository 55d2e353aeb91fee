import { z } from "zod";
import { inputSchema, outputSchema } from "./input.schema.js";

const ID = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;
const TASK_ID = /^[a-zA-Z0-9][a-zA-Z0-9_-]*$/;
const NAMESPACE = /^[a-z0-9][a-z0-9._-]*$/i;

const durationText = z.string().regex(/^-?P/i, "expected an ISO-8601 duration such as PT30S");
const templated = (schema: z.ZodType) => z.union([schema, z.string().regex(/\{\{/)]);

export const retrySchema = z.object({
  type: z.enum(["constant", "exponential", "random"]),
  interval: durationText.optional(),
  maxInterval: durationText.optional(),
  minInterval: durationText.optional(),
  delayFactor: z.number().positive().optional(),
  maxAttempt: z.number().int().min(1).optional(),
  maxAttempts: z.never({ error: "the property is 'maxAttempt' (total attempts, as Kestra counts them)" }).optional(),
  maxDuration: durationText.optional(),
  warningOnRetry: z.boolean().optional(),
  behavior: z.enum(["RETRY_FAILED_TASK", "CREATE_NEW_EXECUTION"]).optional(),
});

/** the shape of one task; its type's own properties are checked by its plugin's schema */
export const taskSchema = z.looseObject({
  id: z.string().regex(TASK_ID, "a task id starts with a letter or digit and holds letters, digits, '_' and '-'"),
  type: z.string().min(1),
  description: z.string().optional(),
  disabled: z.boolean().optional(),
  allowFailure: z.boolean().optional(),
  timeout: templated(durationText).optional(),
  retry: retrySchema.optional(),
  workerGroup: z.object({ key: z.string() }).optional(),
  /** reuse the outputs of an earlier successful run with the same rendered properties and inputs */
  taskCache: z.strictObject({ enabled: z.boolean(), ttl: durationText.optional() }).optional(),
});

export const flowSchema = z.looseObject({
  id: z.string().regex(ID, "a flow id starts with a letter or digit and holds letters, digits, '.', '_' and '-'").max(100),
  namespace: z.string().regex(NAMESPACE, "a namespace is dot-separated words of letters, digits, '_' and '-'").max(150),
  description: z.string().optional(),
  disabled: z.boolean().optional(),
  labels: z.union([z.record(z.string(), z.unknown()), z.array(z.object({ key: z.string(), value: z.unknown() }))]).optional(),
  inputs: z.array(inputSchema).optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  tasks: z.array(z.unknown()).min(1, "a flow needs at least one task"),
  errors: z.array(z.unknown()).optional(),
  finally: z.array(z.unknown()).optional(),
  outputs: z.array(outputSchema).optional(),
  triggers: z.array(z.looseObject({ id: z.string().regex(TASK_ID), type: z.string(), disabled: z.boolean().optional() })).optional(),
  concurrency: z.object({ limit: z.number().int().min(1), behavior: z.enum(["QUEUE", "CANCEL", "FAIL"]).optional() }).optional(),
  pluginDefaults: z.array(z.object({ type: z.string(), values: z.record(z.string(), z.unknown()), forced: z.boolean().optional() })).optional(),
});
