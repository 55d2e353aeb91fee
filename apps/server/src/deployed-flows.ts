import type { FlowLookup } from "@ferry/core";
import type { FlowStore } from "@ferry/engine";
import { UserError } from "@ferry/sdk";

/**
 * The flows a Subflow of a flow being deployed may name, as they are deployed: none when
 * there is no such flow (or revision), or when it no longer parses (a plugin was removed),
 * in which case its run will say so.
 */
export function deployedFlows(flows: FlowStore): FlowLookup {
  return async (namespace, id, revision) => {
    try {
      return await flows.get(namespace, id, revision);
    } catch (error) {
      if (error instanceof UserError) return undefined;
      throw error;
    }
  };
}
