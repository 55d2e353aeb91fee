import {
  countByGroup, decodeExecutionCursor, defineBackend, UnexpectedError, UserError, withNextCursor, type ExecutionRecord, type HistorySearch, type HistoryLogFilter, type HistoryMetricFilter, type HistoryPage, type HistoryPageRequest, type HistoryStore, type Repository,
  type StateCountsQuery,
} from "@ferry/sdk";
import { z } from "zod";

/** executions read per query while counting: few queries, a page of a few MB */
const COUNT_PAGE = 10_000;

/**
 * History answered by the primary repository itself: what Ferry did before history stores
 * existed, so local mode and small deployments change nothing. Nothing is exported to it
 * (`write`, `position` and the rebuild methods are refused as the bug they would be). Its pages are the
 * primary's: by offset, or by keyset after the `next` cursor of the page before.
 *
 * Full-text log search is refused: the primary keeps no text index (it stays small and hot).
 */
export class RepositoryHistoryStore implements HistoryStore {
  readonly source = "primary" as const;
  constructor(private readonly repository: Repository) {}

  private notExported(what: string): Promise<never> {
    return Promise.reject(new UnexpectedError(`${what}: history type 'repository' is the primary itself; nothing is exported to it`));
  }
  write: HistoryStore["write"] = () => this.notExported("exporting history");
  position: HistoryStore["position"] = () => this.notExported("reading the export position");
  beginRebuild: HistoryStore["beginRebuild"] = () => this.notExported("rebuilding history");
  finishRebuild: HistoryStore["finishRebuild"] = () => this.notExported("rebuilding history");
  rebuilding: HistoryStore["rebuilding"] = () => this.notExported("rebuilding history");

  async ping(): Promise<void> {
    await this.repository.getExecution("00000000-0000-7000-8000-000000000000");
  }

  async searchExecutions(query: HistorySearch & HistoryPageRequest): Promise<HistoryPage<ExecutionRecord>> {
    const { size, after: token, page: asked, ...search } = query;
    const after = decodeExecutionCursor(token);
    const found = await this.repository.searchExecutions({ ...search, after, page: after ? 1 : (asked ?? 1), size });
    return withNextCursor(found, size);
  }

  getExecution = (id: string) => this.repository.getExecution(id);
  findLogs = (executionId: string, filter?: HistoryLogFilter) => this.repository.findLogs(executionId, filter);
  findMetrics = (executionId: string, filter?: HistoryMetricFilter) => this.repository.findMetrics(executionId, filter);

  async searchLogs(): Promise<never> {
    throw new UserError("full-text log search needs a history store of its own (history.type: postgres): the primary repository keeps no text index", { status: 501 });
  }

  /** one GROUP BY in the primary; a repository plugin without one is paged through (10,000 a query) */
  async countStates(query: StateCountsQuery) {
    if (this.repository.countExecutionStates) return this.repository.countExecutionStates(query);
    const { namespace, flowId, from } = query;
    const seen: ExecutionRecord[] = [];
    for (let page = 1; ; page++) {
      const found = await this.repository.searchExecutions({ namespace, flowId, startedAfter: from, page, size: COUNT_PAGE });
      seen.push(...found.results);
      if (page * COUNT_PAGE >= found.total || !found.results.length) break;
    }
    return countByGroup(seen, query);
  }
}

export const repositoryHistoryBackend = defineBackend({
  kind: "history",
  type: "repository",
  description: "history answered by the primary repository itself (the default)",
  configSchema: z.strictObject({}),
  needsRepository: true,
  create: (_options, { repository }) => {
    if (!repository) throw new UnexpectedError("history type 'repository' was created without the primary repository");
    return new RepositoryHistoryStore(repository);
  },
});
