import { EXECUTION_STATES, isTerminal, type ExecutionRecord, type Repository } from "@ferry/sdk";

export interface StatisticsQuery {
  namespace?: string;
  flowId?: string;
  /** ISO-8601, inclusive */
  startDate: string;
  /** ISO-8601, inclusive */
  endDate: string;
}

interface Duration {
  min: number;
  avg: number;
  max: number;
  sum: number;
  count: number;
}

/** one day in Kestra's DailyExecutionStatistics shape (durations in seconds) */
export interface DailyStatistics {
  startDate: string;
  duration: Duration;
  executionCounts: Record<string, number>;
  groupBy: "day";
}

/** one flow's executions over the range: how many, how many failed, how long they took (seconds) */
export interface FlowStatistics {
  namespace: string;
  flowId: string;
  executionCounts: Record<string, number>;
  duration: Duration;
}

/** records read a query: few queries (each counts its matches), and a page stays a few MB */
const PAGE = 10_000;
const emptyDuration = (): Duration => ({ min: 0, avg: 0, max: 0, sum: 0, count: 0 });
const emptyCounts = () => Object.fromEntries(EXECUTION_STATES.map((s) => [s, 0]));

function addDuration(d: Duration, seconds: number): void {
  d.min = d.count ? Math.min(d.min, seconds) : seconds;
  d.max = Math.max(d.max, seconds);
  d.sum += seconds;
  d.count += 1;
  d.avg = d.sum / d.count;
}

/** an ended execution's duration in seconds: from its creation to its last (terminal) update */
const secondsOf = (e: ExecutionRecord) => (isTerminal(e.state.current) ? Math.max(0, (Date.parse(e.updated) - Date.parse(e.created)) / 1000) : undefined);

/**
 * Statistics over the executions started in [startDate, endDate], read 10,000 at a time
 * through the repository's search (newest first): no repository method of its own, so every
 * backend answers it. Its cost grows with the executions in the range (bench/ui.js measures
 * it over 100,000: see BENCHMARKS.md); a GROUP BY in the repository would not.
 */
export async function executionStatistics(repository: Pick<Repository, "searchExecutions">, query: StatisticsQuery): Promise<{ daily: DailyStatistics[]; flows: FlowStatistics[] }> {
  const days = new Map<string, DailyStatistics>();
  const start = Date.parse(query.startDate);
  const end = Date.parse(query.endDate);
  for (let t = Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth(), new Date(start).getUTCDate()); t <= end; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.set(day, { startDate: day, duration: emptyDuration(), executionCounts: emptyCounts(), groupBy: "day" });
  }
  const flows = new Map<string, FlowStatistics>();
  for (let page = 1; ; page++) {
    const { results } = await repository.searchExecutions({ namespace: query.namespace, flowId: query.flowId, startedAfter: query.startDate, page, size: PAGE });
    for (const e of results) {
      if (Date.parse(e.created) > end) continue;
      const seconds = secondsOf(e);
      const day = days.get(e.created.slice(0, 10));
      if (day) {
        day.executionCounts[e.state.current] = (day.executionCounts[e.state.current] ?? 0) + 1;
        if (seconds !== undefined) addDuration(day.duration, seconds);
      }
      const key = `${e.namespace}\u0000${e.flowId}`;
      let flow = flows.get(key);
      if (!flow) flows.set(key, (flow = { namespace: e.namespace, flowId: e.flowId, executionCounts: emptyCounts(), duration: emptyDuration() }));
      flow.executionCounts[e.state.current] = (flow.executionCounts[e.state.current] ?? 0) + 1;
      if (seconds !== undefined) addDuration(flow.duration, seconds);
    }
    if (results.length < PAGE) break;
    // SQLite answers synchronously: let the requests waiting behind a page (the UI's own files) go first
    await new Promise((resolve) => setImmediate(resolve));
  }
  return { daily: [...days.values()], flows: [...flows.values()] };
}
