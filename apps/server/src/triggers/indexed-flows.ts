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
 *
 * Applying a revision does not parse it: it waits as pending until one flow is looked up
 * (`of`, a webhook call) or `parsePending` works through them, so a start with thousands of
 * flows answers webhooks as soon as the rows are read.
 */
export class IndexedFlows {
  private readonly known = new Map<string, Known>();
  private readonly pending = new Map<string, FlowRecord>();
  private readonly triggers = new Map<string, DeclaredTrigger[]>();
  private lists?: { all: DeclaredTrigger[]; byKind: Map<TriggerKind | undefined, DeclaredTrigger[]> };

  constructor(private readonly declare: (record: FlowRecord) => DeclaredTrigger[]) {}

  apply(record: FlowRecord): void {
    const key = flowKey(record.namespace, record.id);
    const known = this.known.get(key);
    if (known && (record.revision < known.revision || (record.revision === known.revision && (known.deleted || !record.deleted)))) return;
    this.known.set(key, { revision: record.revision, deleted: record.deleted });
    this.pending.delete(key);
    if (record.deleted) return this.setTriggers(key, []);
    this.pending.set(key, record);
  }

  /** a delete made here: the flow leaves at once, its revision stays known as deleted */
  deleted(namespace: string, id: string): void {
    const key = flowKey(namespace, id);
    const known = this.known.get(key);
    if (known) this.known.set(key, { ...known, deleted: true });
    this.pending.delete(key);
    this.setTriggers(key, []);
  }

  of(namespace: string, id: string): DeclaredTrigger[] {
    const key = flowKey(namespace, id);
    this.parse(key);
    return this.triggers.get(key) ?? [];
  }

  /** parses at most `max` pending revisions; answers how many still wait */
  parsePending(max: number): number {
    let done = 0;
    for (const key of this.pending.keys()) {
      if (done++ >= max) break;
      this.parse(key);
    }
    return this.pending.size;
  }

  all(): DeclaredTrigger[] {
    return this.built().all;
  }

  ofKind(kind: TriggerKind | undefined): DeclaredTrigger[] {
    return this.built().byKind.get(kind) ?? [];
  }

  private parse(key: string): void {
    const record = this.pending.get(key);
    if (!record) return;
    this.pending.delete(key);
    this.setTriggers(key, this.declare(record));
  }

  private setTriggers(key: string, triggers: DeclaredTrigger[]): void {
    if (!triggers.length && !this.triggers.has(key)) return;
    if (triggers.length) this.triggers.set(key, triggers);
    else this.triggers.delete(key);
    this.lists = undefined;
  }

  /** the lists schedules and Flow triggers walk, made again only after a change */
  private built() {
    // the index parses what its polls read before it answers lists; what is left is a save or two
    this.parsePending(Infinity);
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
