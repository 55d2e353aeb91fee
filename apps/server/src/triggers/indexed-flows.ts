import type { FlowRecord, TriggerKind } from "@ferry/sdk";
import type { DeclaredTrigger } from "./declared-triggers.js";

/** what the index knows of one flow: the latest revision it saw, and whether it is deleted */
interface Known {
  revision: number;
  deleted: boolean;
}

const flowKey = (namespace: string, id: string) => `${namespace}\u0000${id}`;

/**
 * Every flow's latest revision as last seen, and the triggers of those that have some, by
 * (namespace, flow id). News arrives in any order (a poll may read a save that this process
 * already applied, or read a row from before a delete it made), so it applies only when it
 * is newer: a later revision, or the known revision now deleted (a deleted revision never
 * comes back; saving again makes the next one).
 */
export class IndexedFlows {
  private readonly known = new Map<string, Known>();
  private readonly triggers = new Map<string, DeclaredTrigger[]>();
  private lists?: { all: DeclaredTrigger[]; byKind: Map<TriggerKind | undefined, DeclaredTrigger[]> };

  constructor(private readonly declare: (record: FlowRecord) => DeclaredTrigger[]) {}

  apply(record: FlowRecord): void {
    const key = flowKey(record.namespace, record.id);
    const known = this.known.get(key);
    if (known && (record.revision < known.revision || (record.revision === known.revision && (known.deleted || !record.deleted)))) return;
    this.known.set(key, { revision: record.revision, deleted: record.deleted });
    this.setTriggers(key, record.deleted ? [] : this.declare(record));
  }

  /** a delete made here: the flow leaves at once, its revision stays known as deleted */
  deleted(namespace: string, id: string): void {
    const key = flowKey(namespace, id);
    const known = this.known.get(key);
    if (known) this.known.set(key, { ...known, deleted: true });
    this.setTriggers(key, []);
  }

  of(namespace: string, id: string): DeclaredTrigger[] {
    return this.triggers.get(flowKey(namespace, id)) ?? [];
  }

  all(): DeclaredTrigger[] {
    return this.built().all;
  }

  ofKind(kind: TriggerKind | undefined): DeclaredTrigger[] {
    return this.built().byKind.get(kind) ?? [];
  }

  private setTriggers(key: string, triggers: DeclaredTrigger[]): void {
    if (!triggers.length && !this.triggers.has(key)) return;
    if (triggers.length) this.triggers.set(key, triggers);
    else this.triggers.delete(key);
    this.lists = undefined;
  }

  /** the lists schedules and Flow triggers walk, made again only after a change */
  private built() {
    if (!this.lists) {
      const all = [...this.triggers.values()].flat();
      const byKind = new Map<TriggerKind | undefined, DeclaredTrigger[]>();
      for (const t of all) {
        const list = byKind.get(t.kind);
        if (list) list.push(t);
        else byKind.set(t.kind, [t]);
      }
      this.lists = { all, byKind };
    }
    return this.lists;
  }
}
