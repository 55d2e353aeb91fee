import type { Flow, PluginRegistry, TriggerSpec } from "@ferry/core";
import {
  triggerKindProperties, type FlowTriggerProperties, type PollingTriggerProperties, type ScheduleTriggerProperties, type TriggerDefinition, type TriggerKind, type TriggerRef,
  type WebhookTriggerProperties,
} from "@ferry/sdk";

interface Declared {
  flow: Flow;
  spec: TriggerSpec;
  definition: TriggerDefinition;
  ref: TriggerRef;
}

/**
 * A trigger declared on the latest revision of a live flow, its properties parsed by its
 * type's schema (defaults applied) and, for a kind the server fires, read as that kind's.
 */
export type DeclaredTrigger = Declared &
  (
    | { kind: "webhook"; properties: WebhookTriggerProperties }
    | { kind: "schedule"; properties: ScheduleTriggerProperties }
    | { kind: "flow"; properties: FlowTriggerProperties }
    | { kind: "polling"; properties: PollingTriggerProperties }
    | { kind: undefined; properties: Record<string, unknown> }
  );

/** a declared trigger of one kind */
export type TriggerOfKind<K extends TriggerKind> = Extract<DeclaredTrigger, { kind: K }>;

export const refKey = (ref: TriggerRef) => `${ref.namespace}/${ref.flowId}/${ref.triggerId}`;

const NOT_PROPERTIES = new Set(["id", "type", "disabled", "description", "conditions", "when", "stopAfter", "allowConcurrent", "logLevel"]);

/** the triggers a parsed flow declares, with their properties read through their type's schema */
export function declaredTriggers(flow: Flow, registry: PluginRegistry): DeclaredTrigger[] {
  const out: DeclaredTrigger[] = [];
  for (const spec of flow.triggers ?? []) {
    const definition = registry.trigger(spec.type);
    if (!definition) continue;
    const raw = Object.fromEntries(Object.entries(spec).filter(([key]) => !NOT_PROPERTIES.has(key)));
    const parsed = definition.properties.safeParse(raw);
    const properties = (parsed.success ? parsed.data : raw) as Record<string, unknown>;
    const ref = { namespace: flow.namespace, flowId: flow.id, triggerId: spec.id };
    if (!definition.kind) {
      out.push({ flow, spec, definition, ref, kind: undefined, properties });
      continue;
    }
    // the parser checked it at deploy; a flow saved before that check is skipped, not misread
    const ofKind = triggerKindProperties[definition.kind].safeParse(properties);
    if (ofKind.success) out.push({ flow, spec, definition, ref, kind: definition.kind, properties: ofKind.data } as DeclaredTrigger);
  }
  return out;
}

/**
 * Whether a flow's YAML may declare triggers, without parsing it: the key `triggers` is
 * written out in any form YAML allows (plain, quoted, flow style, behind an anchor), except
 * in a double-quoted key spelled with escapes, which needs a backslash. Most flows have no
 * trigger; a server with thousands of them parses only the few that may.
 */
export function mayDeclareTriggers(source: string): boolean {
  return source.includes("triggers") || source.includes("\\");
}
