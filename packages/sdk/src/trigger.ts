import type { z } from "zod";

/**
 * A trigger type. Triggers are declared on flows and validated at deploy; the server's
 * trigger scheduler and webhook routes act on them.
 */
export interface TriggerDefinition<P = any> {
  type: string;
  aliases?: string[];
  title: string;
  description?: string;
  properties: z.ZodType<P>;
}

export function defineTrigger<P>(definition: TriggerDefinition<P>): TriggerDefinition<P> {
  return definition;
}
