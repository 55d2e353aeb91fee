import { parseFlow, type Flow, type PluginRegistry } from "@ferry/core";
import { NotFoundError, type Repository } from "@ferry/sdk";

/** Parsed flows by revision. Revisions never change, so they are cached for good. */
export class FlowStore {
  private readonly cache = new Map<string, Flow>();

  constructor(private readonly repository: Repository, private readonly registry: PluginRegistry) {}

  /** the given revision, or the latest live one */
  async get(namespace: string, id: string, revision?: number): Promise<Flow> {
    const key = `${namespace}/${id}@${revision}`;
    const hit = revision !== undefined ? this.cache.get(key) : undefined;
    if (hit) return hit;
    const record = await this.repository.getFlow(namespace, id, revision);
    if (!record) throw new NotFoundError(`flow ${namespace}.${id}${revision ? ` revision ${revision}` : ""} not found`);
    const cacheKey = `${namespace}/${id}@${record.revision}`;
    let flow = this.cache.get(cacheKey);
    if (!flow) {
      flow = { ...parseFlow(record.source, this.registry), revision: record.revision };
      this.cache.set(cacheKey, flow);
    }
    return flow;
  }
}
