import type { z } from "zod";

/**
 * How the server starts executions for a trigger type:
 * - `webhook`: an HTTP call to `/api/v1/executions/webhook/{namespace}/{flowId}/{key}`
 * - `schedule`: at every time `nextFire` gives, exactly once across server replicas
 * - `flow`: when an execution of another flow ends in one of the given states
 * The server reads the properties every kind shares by name (`inputs`, `conditions`, and
 * per kind `key`/`wait`/`returnOutputs`, `recoverMissedSchedules`, `states`/`preconditions`).
 */
export type TriggerKind = "webhook" | "schedule" | "flow";

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
