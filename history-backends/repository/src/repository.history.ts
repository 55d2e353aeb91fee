import {
  defineBackend, UnexpectedError, UserError, type ExecutionRecord, type ExecutionSearch, type HistoryLogFilter, type HistoryPage, type HistoryPageRequest, type HistoryStore, type Repository,
  type StateCountsQuery,
} from "@ferry/sdk";
import { z } from "zod";
import { countByBucket } from "./state-buckets.js";

/** executions read per query while counting: few queries, a page of a few MB */
const COUNT_PAGE = 10_000;

/**
 * History answered by the primary repository itself: what Ferry did before history stores
 * existed, so local mode and small deployments change nothing. Nothing is exported to it
 * (`write`, `position` and `clear` are refused as the bug they would be). Its pages are the
 * primary's offset pages; the `next` cursor names the next page.
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
  clear: HistoryStore["clear"] = () => this.notExported("clearing history");

  async ping(): Promise<void> {
    await this.repository.getExecution("00000000-0000-7000-8000-000000000000");
  }

  async searchExecutions(query: ExecutionSearch & HistoryPageRequest): Promise<HistoryPage<ExecutionRecord>> {
    const { size, after, page: asked, ...search } = query;
    const page = after ? pageOfCursor(after) : (asked ?? 1);
    const found = await this.repository.searchExecutions({ ...search, page, size });
    const next = page * size < found.total ? `page:${page + 1}` : undefined;
    return { results: found.results, total: found.total, next };
  }

  getExecution = (id: string) => this.repository.getExecution(id);
  findLogs = (executionId: string, filter?: HistoryLogFilter) => this.repository.findLogs(executionId, filter);

  async searchLogs(): Promise<never> {
    throw new UserError("full-text log search needs a history store of its own (history.type: postgres): the primary repository keeps no text index", { status: 501 });
  }

  async countStates(query: StateCountsQuery) {
    const { namespace, flowId, from } = query;
    const seen: ExecutionRecord[] = [];
    for (let page = 1; ; page++) {
      const found = await this.repository.searchExecutions({ namespace, flowId, startedAfter: from, page, size: COUNT_PAGE });
      seen.push(...found.results);
      if (page * COUNT_PAGE >= found.total || !found.results.length) break;
    }
    return countByBucket(seen, query);
  }
}

/** pages past this are refused, as the API refuses them: an offset beyond it is a mistake */
const MAX_PAGE = 1_000_000;

function pageOfCursor(cursor: string): number {
  const page = Number(/^page:(\d{1,7})$/.exec(cursor)?.[1]);
  if (!(page >= 1 && page <= MAX_PAGE)) throw new UserError(`the page cursor '${cursor.slice(0, 40)}' is not one this server gave (page:<n>, n from 1 to ${MAX_PAGE})`, { status: 400 });
  return page;
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
