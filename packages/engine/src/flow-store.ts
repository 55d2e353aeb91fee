import { parseFlow, type Flow, type PluginRegistry } from "@ferry/core";
import { NotFoundError, type FlowRecord, type Repository } from "@ferry/sdk";
import { LRUCache } from "lru-cache";

/** parsed revisions kept: the flows in use stay, a deployment of thousands does not all sit in memory */
const PARSED_FLOWS = 2000;

/**
 * Parsed flows by revision. Revisions never change, so they are cached until pushed out by
 * more recently used ones (a soak must not grow with every revision ever run). Which
 * revision is the latest is remembered for a moment (`latestTtlMs`), so a burst of webhook
 * calls reads the flow once; a save through this process forgets it at once (`forget`), a
 * save through another server replica is seen within that moment.
 */
export class FlowStore {
  private readonly cache = new LRUCache<string, Flow>({ max: PARSED_FLOWS });
  private readonly latest = new LRUCache<string, { revision: number; until: number }>({ max: PARSED_FLOWS });

  constructor(private readonly repository: Repository, private readonly registry: PluginRegistry, private readonly latestTtlMs = 1000) {}

  /** the given revision, or the latest live one */
  async get(namespace: string, id: string, revision?: number): Promise<Flow> {
    const flowKey = `${namespace}/${id}`;
    const known = revision ?? this.latestRevision(flowKey);
    const hit = known !== undefined ? this.cache.get(`${flowKey}@${known}`) : undefined;
    if (hit) return hit;
    const record = await this.repository.getFlow(namespace, id, revision);
    if (!record) throw new NotFoundError(`flow ${namespace}.${id}${revision ? ` revision ${revision}` : ""} not found`);
    if (revision === undefined) this.latest.set(flowKey, { revision: record.revision, until: Date.now() + this.latestTtlMs });
    return this.parsed(record);
  }

  /** a revision already read (the trigger index reads them in bulk), parsed once like any other */
  parsed(record: FlowRecord): Flow {
    const cacheKey = `${record.namespace}/${record.id}@${record.revision}`;
    let flow = this.cache.get(cacheKey);
    if (!flow) {
      flow = { ...parseFlow(record.source, this.registry), revision: record.revision };
      this.cache.set(cacheKey, flow);
    }
    return flow;
  }

  /** a flow was saved or deleted here: its latest revision is read again next time */
  forget(namespace: string, id: string): void {
    this.latest.delete(`${namespace}/${id}`);
  }

  private latestRevision(flowKey: string): number | undefined {
    const entry = this.latest.get(flowKey);
    return entry && entry.until > Date.now() ? entry.revision : undefined;
  }
}
