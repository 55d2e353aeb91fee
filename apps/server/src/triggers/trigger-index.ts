import type { Flow, PluginRegistry, TriggerSpec } from "@ferry/core";
import type { FlowStore } from "@ferry/engine";
import {
  triggerKindProperties, type FlowTriggerProperties, type Repository, type ScheduleTriggerProperties, type TriggerDefinition, type TriggerKind, type TriggerRef,
  type TriggerStateRecord, type WebhookTriggerProperties,
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
    | { kind: undefined; properties: Record<string, unknown> }
  );

/** a declared trigger of one kind */
export type TriggerOfKind<K extends TriggerKind> = Extract<DeclaredTrigger, { kind: K }>;

const PAGE = 500;

/**
 * Every trigger of every live flow, read from the repository and kept for a few seconds:
 * schedules and Flow triggers are evaluated against it, and flows saved through another
 * server replica show up at the next refresh. Trigger states (disabled, last fire) are
 * cached alongside, for the same time.
 */
export class TriggerIndex {
  private triggers: DeclaredTrigger[] = [];
  private states = new Map<string, TriggerStateRecord>();
  private loadedAt = 0;
  private loading?: Promise<void>;
  private queued?: Promise<void>;

  constructor(
    private readonly repository: Repository,
    private readonly flows: FlowStore,
    private readonly registry: PluginRegistry,
    private readonly onError: (error: unknown) => void,
    private readonly maxAgeMs = 5000,
  ) {}

  /** the declared triggers, refreshed when older than the index's age limit */
  async all(): Promise<DeclaredTrigger[]> {
    if (Date.now() - this.loadedAt > this.maxAgeMs) await this.refresh();
    return this.triggers;
  }

  async ofKind<K extends TriggerKind>(kind: K): Promise<Array<TriggerOfKind<K>>> {
    return (await this.all()).filter((t): t is TriggerOfKind<K> => t.kind === kind);
  }

  /** the stored state of a trigger, as of the last refresh (or the last change made here) */
  state(ref: TriggerRef): TriggerStateRecord | undefined {
    return this.states.get(refKey(ref));
  }

  remember(state: TriggerStateRecord): void {
    this.states.set(refKey(state), state);
  }

  /**
   * Reloads now (after a deploy through this process, say). Resolves once a load that began
   * after the call has finished: a load already running may have read before the change.
   */
  refresh(): Promise<void> {
    if (!this.loading) {
      this.loading = this.load().finally(() => (this.loading = undefined));
      return this.loading;
    }
    this.queued ??= this.loading
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  private async load(): Promise<void> {
    const found: DeclaredTrigger[] = [];
    for (let page = 1; ; page++) {
      const { results } = await this.repository.searchFlows({ page, size: PAGE });
      for (const record of results) {
        let flow: Flow;
        try {
          flow = await this.flows.get(record.namespace, record.id, record.revision);
        } catch (error) {
          // a flow saved before a plugin went missing: the API reports it, triggers skip it
          this.onError(error);
          continue;
        }
        found.push(...declaredTriggers(flow, this.registry));
      }
      if (results.length < PAGE) break;
    }
    const states = await this.repository.listTriggerStates();
    this.triggers = found;
    this.states = new Map(states.map((s) => [refKey(s), s]));
    this.loadedAt = Date.now();
  }
}

export const refKey = (ref: TriggerRef) => `${ref.namespace}/${ref.flowId}/${ref.triggerId}`;

const NOT_PROPERTIES = new Set(["id", "type", "disabled", "description", "conditions", "stopAfter", "logLevel"]);

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
