import {
  executionPrefix, executionStatesOf, newId, toStorageUri, type EndedExecutionsQuery, type Queue, type Subscription, type StateType, type ExecutionRecord, type FlowPurgeQuery, type FlowRecord, type KvPurgeQuery, type LogsQuery, type PurgeAccess, type PurgeCounts, type PurgeSelection, type Repository, type Storage,
} from "@ferry/sdk";
import type { JsonStore } from "./json-store.js";
import type { KvStore } from "./kv-store.js";
import { PurgePace } from "./purge-pace.js";

/** executions removed per round trip: bounded, so a first purge of years of history never holds one huge transaction */
const BATCH = 200;
/** when records stay (logs or storage only), one pass over at most this many */
const KEEP_RECORDS_LIMIT = 100_000;

/** where a purge says which storage prefixes it emptied, for the other processes' document caches */
export const STORAGE_PURGED_TOPIC = "storage-purged";

/** prefixes per broadcast message (~100 characters each) */
const BROADCAST_PREFIXES = 500;

interface StoragePurgedMessage {
  /** the purging Purger: it forgot them already */
  origin: string;
  /** storage URIs of the emptied folders, each ending in '/' */
  prefixes: string[];
}

/** live flows read per page when a purge of flow revisions walks them */
const FLOWS_PAGE = 500;

const selectionOf = (s: PurgeSelection): Required<PurgeSelection> => ({ executions: s.executions ?? true, logs: s.logs ?? true, metrics: s.metrics ?? true, storage: s.storage ?? true });

function add(into: PurgeCounts, more: PurgeCounts): void {
  into.executionsCount += more.executionsCount;
  into.logsCount += more.logsCount;
  into.metricsCount += more.metricsCount;
  into.storagesCount += more.storagesCount;
}

/** `company.*` → /^company\..*$/: `*` any run of characters, `?` one */
export function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
}

/**
 * Removes stored history: ended executions with their task runs, logs, metrics and storage;
 * logs by date; KV pairs. The purge tasks reach it through `RunContext.purge`, the server's
 * retention sweep directly. The repository is asked for lazily, as the KV store does: a
 * worker connects only when a purge task runs.
 */
export class Purger implements PurgeAccess {
  private readonly id = newId();
  private listening?: { subscription: Promise<Subscription>; users: number };

  constructor(
    private readonly repository: () => Promise<Repository>,
    private readonly storage: Storage,
    private readonly kvStore?: KvStore,
    /** this process's document cache: what it holds of a purged execution answers "purged" too (principle 2) */
    private readonly store?: JsonStore,
    /** where the other processes (server replicas, schedulers, workers, worker threads) hear of a storage purge, for their caches */
    private readonly queue?: Pick<Queue, "broadcast" | "subscribe">,
  ) {}

  /**
   * Forgets, in this process's document cache, what another process's purge emptied (its broadcast). Each caller
   * closes what it was given; the parts sharing one Purger (local mode's scheduler and worker) share one subscription.
   */
  async listen(): Promise<Subscription> {
    const { queue, store } = this;
    if (!queue || !store) return { close: async () => {} };
    this.listening ??= {
      users: 0,
      subscription: queue.subscribe<StoragePurgedMessage>(STORAGE_PURGED_TOPIC, (message) => {
        if (message?.origin !== this.id && Array.isArray(message?.prefixes)) store.forget(message.prefixes);
      }),
    };
    const listening = this.listening;
    listening.users++;
    await listening.subscription;
    let closed = false;
    return {
      close: async () => {
        if (closed) return;
        closed = true;
        if (--listening.users > 0) return;
        if (this.listening === listening) this.listening = undefined;
        await (await listening.subscription).close();
      },
    };
  }

  async executions(asked: Omit<EndedExecutionsQuery, "states"> & { states?: readonly StateType[] } & PurgeSelection): Promise<PurgeCounts> {
    const what = selectionOf(asked);
    const counts: PurgeCounts = { executionsCount: 0, logsCount: 0, metricsCount: 0, storagesCount: 0 };
    // states no execution is ever in (SKIPPED, RETRYING…) match nothing: an empty filter would mean all of them
    const states = asked.states?.length ? executionStatesOf(asked.states) : undefined;
    if (states && !states.length) return counts;
    const query: EndedExecutionsQuery = { ...asked, states };
    const repository = await this.repository();
    // batches yield to the hot path: smaller, with pauses between them, while its writes slow down
    const pace = new PurgePace(repository.hotWriteLatency?.bind(repository), { batch: BATCH });
    for (;;) {
      const limit = what.executions ? pace.batch : KEEP_RECORDS_LIMIT;
      const started = pace.begin();
      const found = await repository.findEndedExecutions(query, limit);
      if (!found.length) break;
      add(counts, await this.remove(repository, found, what));
      if (!what.executions || found.length < limit) break;
      await pace.after(started);
    }
    return counts;
  }

  /** the given ended executions (`DELETE /api/v1/executions/{id}`): the caller checked that they ended */
  async executionsById(executions: ExecutionRecord[], selection: PurgeSelection = {}): Promise<PurgeCounts> {
    return this.remove(await this.repository(), executions, selectionOf(selection));
  }

  private async remove(repository: Repository, found: ExecutionRecord[], what: Required<PurgeSelection>): Promise<PurgeCounts> {
    const removed = await repository.purgeExecutions(found.map((e) => e.id), what);
    const counts: PurgeCounts = { executionsCount: removed.executions, logsCount: removed.logs, metricsCount: removed.metrics, storagesCount: 0 };
    // records first, bytes after: a crash in between leaves unreferenced bytes, never a record pointing at nothing
    if (what.storage) {
      const emptied: string[] = [];
      for (const execution of found) {
        const prefixes = new Set([executionPrefix(execution.namespace, execution.flowId, execution.id), execution.storagePrefix].filter((p): p is string => Boolean(p)));
        for (const prefix of prefixes) {
          counts.storagesCount += await this.storage.deletePrefix(prefix);
          emptied.push(`${toStorageUri(prefix)}/`);
        }
      }
      this.store?.forget(emptied);
      // the other processes' caches: a hint (the bytes are gone, which storage answers to any read that misses a cache);
      // a queue out of reach loses it, and those caches answer the purged documents until they evict them
      // (in messages of at most BROADCAST_PREFIXES: a storage-only purge takes up to KEEP_RECORDS_LIMIT executions at once)
      for (let i = 0; this.queue && i < emptied.length; i += BROADCAST_PREFIXES) {
        await this.queue.broadcast<StoragePurgedMessage>(STORAGE_PURGED_TOPIC, { origin: this.id, prefixes: emptied.slice(i, i + BROADCAST_PREFIXES) }).catch(() => {});
      }
    }
    return counts;
  }

  async logs(query: LogsQuery): Promise<number> {
    return (await this.repository()).purgeLogs(query);
  }

  async kv(query: KvPurgeQuery): Promise<number> {
    if (!this.kvStore) throw new Error("this process has no KV store");
    const targets = await this.namespaces(query);
    const key = query.keyPattern ? globToRegExp(query.keyPattern) : undefined;
    let removed = 0;
    for (const ns of targets) removed += await this.kvStore.purge(ns, (k) => !key || key.test(k), query.expiredOnly ?? true);
    return removed;
  }

  /**
   * Old revisions of the live flows in the chosen namespaces whose id matches `flowPattern`, as
   * Kestra's Version behavior picks them: beyond the `keepAmount` newest, or saved at or before
   * `before`, or (neither given) all but the latest. The repository never removes a latest one.
   */
  async flows(query: FlowPurgeQuery): Promise<number> {
    const repository = await this.repository();
    const targets = new Set(await this.namespaces(query));
    const id = query.flowPattern ? globToRegExp(query.flowPattern) : undefined;
    const chosen: FlowRecord[] = [];
    for (let page = 1; ; page++) {
      const { results } = await repository.searchFlows({ page, size: FLOWS_PAGE });
      chosen.push(...results.filter((f) => targets.has(f.namespace) && (!id || id.test(f.id))));
      if (results.length < FLOWS_PAGE) break;
    }
    let removed = 0;
    for (const flow of chosen) {
      const old = revisionsToPurge(await repository.listFlowRevisions(flow.namespace, flow.id), query);
      if (old.length) removed += await repository.deleteFlowRevisions(flow.namespace, flow.id, old);
    }
    return removed;
  }

  /** Kestra's PurgeTask.findNamespaces: a glob, or named namespaces (with their children by default), or every one */
  private async namespaces(query: { namespaces?: string[]; namespacePattern?: string; includeChildNamespaces?: boolean }): Promise<string[]> {
    const known = await (await this.repository()).listNamespaces();
    const children = query.includeChildNamespaces ?? true;
    const pattern = query.namespacePattern ? globToRegExp(query.namespacePattern) : undefined;
    const named = query.namespaces;
    return known.filter((ns) => {
      if (pattern && !pattern.test(ns)) return false;
      if (!named?.length) return true;
      return named.some((n) => ns === n || (children && ns.startsWith(`${n}.`)));
    });
  }
}

/** the revisions (ascending, as listFlowRevisions gives them) a flow purge removes; never the latest */
export function revisionsToPurge(revisions: FlowRecord[], query: Pick<FlowPurgeQuery, "keepAmount" | "before">): number[] {
  if (revisions.length <= 1) return [];
  const newestFirst = [...revisions].sort((a, b) => b.revision - a.revision).slice(1);
  if (query.keepAmount !== undefined) return newestFirst.slice(Math.max(query.keepAmount - 1, 0)).map((r) => r.revision);
  const before = query.before;
  return newestFirst.filter((r) => before === undefined || Date.parse(r.updated) <= Date.parse(before)).map((r) => r.revision);
}
