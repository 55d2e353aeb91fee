import { z } from "zod";
import * as schema from "./schema.js";

/**
 * How the server starts executions for a trigger type:
 * - `webhook`: an HTTP call to `/api/v1/executions/webhook/{namespace}/{flowId}/{key}`
 * - `schedule`: at every time `nextFire` gives, exactly once across server replicas
 * - `flow`: when an execution of another flow ends in one of the given states
 * The server reads the properties every kind shares by name (`inputs`, `conditions`, and
 * per kind `key`/`wait`/`returnOutputs`, `recoverMissedSchedules`, `states`/`preconditions`).
 */
export type TriggerKind = "webhook" | "schedule" | "flow";

const inputs = z.record(z.string(), z.unknown()).optional();
/** the states a Flow trigger may name, as Kestra lists them */
const FLOW_TRIGGER_STATES = ["CREATED", "RUNNING", "PAUSED", "SUCCESS", "WARNING", "FAILED", "KILLING", "KILLED", "RETRYING", "RESTARTED", "CANCELLED", "QUEUED", "SKIPPED"] as const;
const states = z.array(z.enum(FLOW_TRIGGER_STATES)).optional();

/**
 * The properties the server reads for each kind, whatever the trigger type: a trigger type of a
 * kind must accept these (its own schema may add more, or refine them). The flow parser checks
 * every trigger of a kind against its kind's schema, and the server reads properties through it.
 */
export const triggerKindProperties = {
  webhook: z.looseObject({
    key: z.string().min(1),
    wait: schema.bool().default(false),
    returnOutputs: schema.bool().default(false),
    inputs,
    /** GitHub-style HMAC-SHA256 of the raw body, checked before anything else */
    signature: z.object({ secret: z.string().min(1), header: z.string().default("X-Hub-Signature-256") }).optional(),
    /** at most `requests` calls per `per` for this flow's webhook; more answer 429 */
    rateLimit: z.object({ requests: schema.int({ min: 1 }), per: schema.duration().default("PT1S") }).optional(),
  }),
  schedule: z.looseObject({
    cron: z.string().min(1),
    timezone: z.string().optional(),
    /** Kestra needs it for six-field expressions; here six fields always mean seconds first */
    withSeconds: schema.bool().optional(),
    inputs,
    recoverMissedSchedules: z.enum(["ALL", "LAST", "NONE"]).default("ALL"),
    /** a fire later than this (a busy or restarting server) is skipped, as Kestra does */
    lateMaximumDelay: schema.duration().optional(),
  }),
  flow: z.looseObject({
    states,
    inputs,
    preconditions: z
      .looseObject({
        flows: z
          .array(z.looseObject({ namespace: z.string().min(1), flowId: z.string().optional(), states }))
          .max(1, "Kestra's multi-flow preconditions (all flows within a time window) are not supported yet: list one flow, or use one Flow trigger per upstream flow")
          .optional(),
      })
      .optional(),
  }),
} satisfies Record<TriggerKind, z.ZodType>;

export type WebhookTriggerProperties = z.infer<typeof triggerKindProperties.webhook>;
export type ScheduleTriggerProperties = z.infer<typeof triggerKindProperties.schedule>;
export type FlowTriggerProperties = z.infer<typeof triggerKindProperties.flow>;

/** A trigger type. Triggers are declared on flows, validated at deploy, fired by the server. */
export interface TriggerDefinition<P = any> {
  type: string;
  aliases?: string[];
  title: string;
  description?: string;
  properties: z.ZodType<P>;
  /** omitted: the trigger is declared and validated, but nothing fires it */
  kind?: TriggerKind;
  /** `schedule` kind: the first fire time strictly after `after`, or undefined when there is none */
  nextFire?(properties: P, after: Date): Date | undefined;
}

export function defineTrigger<P>(definition: TriggerDefinition<P>): TriggerDefinition<P> {
  return definition;
}
