import type { PluginRegistry } from "@ferry/core";
import { assertNamespaceInScope, NotFoundError, type Repository, type TriggersAccess } from "@ferry/sdk";
import { FlowStore } from "../flow-store.js";

/** what a trigger declares beside its type's own properties (the flow parser's list) */
const NOT_PROPERTIES = new Set(["id", "type", "disabled", "description", "conditions", "stopAfter", "allowConcurrent", "logLevel"]);

/**
 * RunContext.triggers: the same switch as `PUT /api/v1/triggers/…` and `ferry trigger
 * disable|enable`, in the repository's trigger state. Schedulers read that state (every few
 * seconds), so a disabled schedule stops firing; enabling a schedule records "now" as its last
 * fire, so it resumes without a backlog.
 */
export function triggersAccess(repository: () => Promise<Repository>, registry: PluginRegistry, flow: { namespace: string; flowId: string }): TriggersAccess {
  return {
    async setEnabled(ref, enabled) {
      const namespace = assertNamespaceInScope(flow.namespace, ref.namespace ?? flow.namespace, "triggers");
      const flowId = ref.flowId ?? flow.flowId;
      const repo = await repository();
      const target = await new FlowStore(repo, registry).get(namespace, flowId).catch((error: unknown) => {
        throw new NotFoundError(`Unable to find flow ${namespace}.${flowId}: ${(error as Error).message}`, { cause: error });
      });
      const spec = target.triggers?.find((t) => t.id === ref.triggerId);
      if (!spec) throw new NotFoundError(`Unable to find trigger ${ref.triggerId} for the flow ${namespace}.${flowId}`);
      const full = { namespace, flowId, triggerId: ref.triggerId };
      await repo.setTriggerDisabled(full, !enabled);
      const definition = registry.trigger(spec.type);
      if (!enabled || definition?.kind !== "schedule" || !definition.nextFire) return;
      const properties = definition.properties.safeParse(Object.fromEntries(Object.entries(spec).filter(([key]) => !NOT_PROPERTIES.has(key))));
      const now = new Date();
      const next = properties.success ? definition.nextFire(properties.data, now) : undefined;
      await repo.recordTriggerFire(full, now.toISOString(), next?.toISOString());
    },
  };
}
