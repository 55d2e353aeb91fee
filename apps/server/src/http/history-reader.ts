import {
  decodeExecutionCursor, EXECUTION_STATES, HistoryNotConfiguredError, isTerminal, withNextCursor, type ExecutionRecord, type HistorySearch, type HistoryLogFilter, type HistoryMetricFilter, type MetricEntry, type HistoryPage, type HistoryStore,
  type LogEntry, type Repository, type TaskRunRecord,
} from "@ferry/sdk";

const OPEN_STATES = EXECUTION_STATES.filter((s) => !isTerminal(s));

/**
 * Where the API reads executions and logs from. The primary answers everything still running
 * (so nothing looks stale while it runs) and whatever it still holds by id; history searches
 * go to the configured history store — the primary itself (`repository`), an exported store,
 * or nowhere (`none`: live executions only, and a plain 501 for history).
 */
export class HistoryReader {
  constructor(private readonly repository: Repository, readonly history: HistoryStore) {}

  /** newest first; with an exported store, its executions not yet ended are read again from the primary */
  async searchExecutions(query: HistorySearch & { page: number; size: number; after?: string; countUpTo?: number }): Promise<HistoryPage<ExecutionRecord>> {
    const { history, repository } = this;
    if (history.source === "primary") return history.searchExecutions(query);
    if (history.source === "none") {
      const asked = query.state?.length ? query.state : OPEN_STATES;
      const live = asked.filter((s) => OPEN_STATES.includes(s));
      if (!live.length) throw new HistoryNotConfiguredError(`searching ended executions (${asked.join(", ")})`);
      const { after: token, ...rest } = query;
      const after = decodeExecutionCursor(token);
      return withNextCursor(await repository.searchExecutions({ ...rest, after, page: after ? 1 : rest.page, state: live }), rest.size);
    }
    const page = await history.searchExecutions(query);
    const results = await Promise.all(page.results.map(async (e) => (isTerminal(e.state.current) ? e : ((await repository.getExecution(e.id))?.execution ?? e))));
    return { ...page, results };
  }

  /** the primary's record while it has one; an exported store's once the primary dropped it */
  async getExecution(id: string): Promise<{ execution: ExecutionRecord; taskRuns: TaskRunRecord[] } | undefined> {
    const live = await this.repository.getExecution(id);
    if (live || this.history.source !== "exported") return live;
    return this.history.getExecution(id);
  }

  /**
   * Who holds an execution's lines and metrics: the primary while the execution runs, or when
   * it is the history itself; an exported store once it ended. Undefined when known nowhere.
   */
  private async holderOf(executionId: string): Promise<"primary" | "history" | undefined> {
    const live = await this.repository.getExecution(executionId);
    if (this.history.source !== "exported") return live ? "primary" : undefined;
    if (live && !isTerminal(live.execution.state.current)) return "primary";
    if (!live && !(await this.history.getExecution(executionId))) return undefined;
    return "history";
  }

  /** undefined when the execution is known nowhere */
  async findLogs(executionId: string, filter: HistoryLogFilter): Promise<LogEntry[] | undefined> {
    const holder = await this.holderOf(executionId);
    return holder && (holder === "primary" ? this.repository : this.history).findLogs(executionId, filter);
  }

  /** undefined when the execution is known nowhere */
  async findMetrics(executionId: string, filter: HistoryMetricFilter): Promise<MetricEntry[] | undefined> {
    const holder = await this.holderOf(executionId);
    return holder && (holder === "primary" ? this.repository : this.history).findMetrics(executionId, filter);
  }

  /**
   * What the dashboard's statistics count with: the history store's GROUP BY. With an exported
   * store, executions not yet ended are counted as the primary has them now (one GROUP BY there
   * over the range; the primary holds few), ended ones as exported.
   */
  statisticsSource(): Pick<HistoryStore, "countStates"> {
    const { history, repository } = this;
    if (history.source === "none") throw new HistoryNotConfiguredError("execution statistics");
    if (history.source === "primary" || !repository.countExecutionStates) return history;
    return {
      countStates: async (query) => {
        const [ended, live] = await Promise.all([history.countStates(query), repository.countExecutionStates!(query)]);
        return [...ended.filter((c) => isTerminal(c.state)), ...live.filter((c) => !isTerminal(c.state))];
      },
    };
  }


}
