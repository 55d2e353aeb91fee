import type { PluginRegistry } from "@ferry/core";
import type { FlowStore } from "@ferry/engine";
import { errorMessage, type FlowRecord, type Repository, type TriggerKind, type TriggerRef, type TriggerStateRecord } from "@ferry/sdk";
import { declaredTriggers, mayDeclareTriggers, refKey, type DeclaredTrigger, type TriggerOfKind } from "./declared-triggers.js";
import { IndexedFlows } from "./indexed-flows.js";

/** how often what changed is read: a flow saved through another replica is seen within this */
const POLL_MS = 1000;
/** every flow is read again this rarely, in case a change slipped past the polls (a clock far off) */
const FULL_EVERY_MS = 5 * 60_000;
/**
 * Each poll reads what changed since this long before the previous poll began: a save committed
 * late, or stamped by a replica whose clock is a little behind, is still read. A change is so
 * read by a few polls, then ages out (a revision already known is skipped without parsing).
 */
const OVERLAP_MS = 5000;
/**
 * flows parsed between two turns of the event loop (a few ms: a flow takes about half a
 * millisecond), so parsing thousands holds no request long: with 100 a turn, /health waited
 * through several 100-flow turns and answered a second later at start
 */
const CHUNK = 8;

export interface TriggerIndexOptions {
  repository: Repository;
  flows: FlowStore;
  registry: PluginRegistry;
  onError: (error: unknown) => void;
  pollMs?: number;
}

/**
 * Every trigger of every live flow, by flow and by kind, and the trigger states. Read whole
 * once at start (and every few minutes as a safety net); then every second only what changed:
 * flows saved or deleted since the last change seen, through any replica, and trigger states
 * written since. Saves and deletes through this process apply at once. A lookup is a map get.
 * Revisions read are parsed in the background, a few at a time, and a flow looked up before
 * its turn is parsed then: webhooks answer as soon as the rows are read, schedules and Flow
 * triggers once every triggered flow is parsed.
 */
export class TriggerIndex {
  private readonly flows: IndexedFlows;
  private states = new Map<string, TriggerStateRecord>();
  private complete = false;
  private fullAt = 0;
  /** when the last pass that read without error began */
  private lastPassAt = 0;
  private loaded?: Promise<void>;
  /** the first full read, applied but not yet parsed: enough to look up one flow */
  private firstRead = deferred();
  private read = false;
  private running?: Promise<void>;
  private queued?: Promise<void>;
  private timer?: ReturnType<typeof setTimeout>;
  private stopped = true;

  constructor(private readonly options: TriggerIndexOptions) {
    this.flows = new IndexedFlows((record) => this.declare(record));
  }

  /** reads every flow now and polls for changes from then on */
  start(): void {
    this.stopped = false;
    this.ready().catch(this.options.onError);
    this.poll();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  async all(): Promise<DeclaredTrigger[]> {
    await this.ready();
    return this.flows.all();
  }

  async ofKind<K extends TriggerKind>(kind: K): Promise<Array<TriggerOfKind<K>>> {
    await this.ready();
    return this.flows.ofKind(kind) as Array<TriggerOfKind<K>>;
  }

  /** the triggers of one flow: answered once every flow has been read, parsing only this one if it waits */
  async of(namespace: string, flowId: string): Promise<DeclaredTrigger[]> {
    if (!this.read) {
      this.ready().catch(() => undefined);
      await this.firstRead.promise;
    }
    return this.flows.of(namespace, flowId);
  }

  /** the stored state of a trigger, as of the last poll (or the last change made here) */
  state(ref: TriggerRef): TriggerStateRecord | undefined {
    return this.states.get(refKey(ref));
  }

  remember(state: TriggerStateRecord): void {
    this.states.set(refKey(state), state);
  }

  /** a flow saved through this process: its triggers take effect now, not at the next poll */
  flowSaved(record: FlowRecord): void {
    this.flows.apply(record);
  }

  flowDeleted(namespace: string, id: string): void {
    this.flows.deleted(namespace, id);
  }

  /**
   * Reads what changed now. Resolves once a read that began after the call has finished: one
   * already running may have read before the change.
   */
  refresh(): Promise<void> {
    if (!this.running) {
      this.running = this.pass().finally(() => (this.running = undefined));
      return this.running;
    }
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  /** resolves once every flow has been read (the first full read; it is tried again if it failed) */
  private ready(): Promise<void> {
    this.loaded ??= this.refresh().catch((error) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  private poll(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.refresh()
        .catch(this.options.onError)
        .finally(() => this.poll());
    }, this.options.pollMs ?? POLL_MS);
    this.timer.unref?.();
  }

  private async pass(): Promise<void> {
    try {
      await this.readChanges();
    } catch (error) {
      if (!this.read) {
        // lookups waiting for the first read fail with it; the next one waits for the next try
        this.firstRead.reject(error);
        this.firstRead = deferred();
      }
      throw error;
    }
  }

  private async readChanges(): Promise<void> {
    const { repository } = this.options;
    const full = !this.complete || Date.now() - this.fullAt > FULL_EVERY_MS;
    const startedAt = Date.now();
    const since = new Date(this.lastPassAt - OVERLAP_MS).toISOString();
    const [records, states] = await Promise.all([
      repository.listFlowChanges(full ? "" : since),
      repository.listTriggerStates(full ? {} : { updatedAfter: since }),
    ]);
    for (const record of records) this.flows.apply(record);
    // the repository is the system of record: what it holds replaces what was remembered here
    if (full) this.states = new Map();
    for (const state of states) this.states.set(refKey(state), state);
    this.lastPassAt = startedAt;
    if (!this.read) {
      this.read = true;
      this.firstRead.resolve();
    }
    while (this.flows.parsePending(CHUNK) > 0) await new Promise((r) => setImmediate(r));
    if (full) {
      this.complete = true;
      this.fullAt = startedAt;
    }
  }

  private declare(record: FlowRecord): DeclaredTrigger[] {
    if (!mayDeclareTriggers(record.source)) return [];
    try {
      return declaredTriggers(this.options.flows.parsed(record), this.options.registry);
    } catch (error) {
      // a flow saved before a plugin went missing: the API reports it, triggers skip it
      this.options.onError(new Error(`the triggers of flow ${record.namespace}.${record.id} (revision ${record.revision}) are skipped: ${errorMessage(error)}`, { cause: error }));
      return [];
    }
  }
}

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  // nobody may be waiting when it fails: that is no unhandled rejection
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
