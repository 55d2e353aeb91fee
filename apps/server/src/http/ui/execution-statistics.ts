import { EXECUTION_STATES, type HistoryStore, type StateCount } from "@ferry/sdk";

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

const emptyDuration = (): Duration => ({ min: 0, avg: 0, max: 0, sum: 0, count: 0 });
const emptyCounts = () => Object.fromEntries(EXECUTION_STATES.map((s) => [s, 0]));

/** adds one group's count to the counts, and its ended executions' durations to the duration */
function add(into: { executionCounts: Record<string, number>; duration: Duration }, c: StateCount): void {
  into.executionCounts[c.state] = (into.executionCounts[c.state] ?? 0) + c.count;
  if (!c.duration) return;
  const d = into.duration;
  d.min = d.count ? Math.min(d.min, c.duration.min) : c.duration.min;
  d.max = Math.max(d.max, c.duration.max);
  d.sum += c.duration.sum;
  d.count += c.count;
  d.avg = d.sum / d.count;
}

/**
 * Statistics over the executions started in [startDate, endDate]: two GROUP BYs in the
 * history store (per day, per flow), so the cost is the store's aggregate over the range's
 * rows, not a page of records per 10,000 executions sent back to the server.
 */
export async function executionStatistics(history: Pick<HistoryStore, "countStates">, query: StatisticsQuery): Promise<{ daily: DailyStatistics[]; flows: FlowStatistics[] }> {
  const days = new Map<string, DailyStatistics>();
  const start = Date.parse(query.startDate);
  const end = Date.parse(query.endDate);
  for (let t = Date.UTC(new Date(start).getUTCFullYear(), new Date(start).getUTCMonth(), new Date(start).getUTCDate()); t <= end; t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.set(day, { startDate: day, duration: emptyDuration(), executionCounts: emptyCounts(), groupBy: "day" });
  }
  // endDate is inclusive, the store's range ends before `to`
  const range = { namespace: query.namespace, flowId: query.flowId, from: query.startDate, to: new Date(end + 1).toISOString() };
  const [perDay, perFlow] = await Promise.all([history.countStates({ ...range, groupBy: "day" }), history.countStates({ ...range, groupBy: "flow" })]);
  for (const c of perDay) {
    const day = days.get(c.bucket!.slice(0, 10));
    if (day) add(day, c);
  }
  const flows = new Map<string, FlowStatistics>();
  for (const c of perFlow) {
    const key = `${c.namespace}\u0000${c.flowId}`;
    let flow = flows.get(key);
    if (!flow) flows.set(key, (flow = { namespace: c.namespace!, flowId: c.flowId!, executionCounts: emptyCounts(), duration: emptyDuration() }));
    add(flow, c);
  }
  return { daily: [...days.values()], flows: [...flows.values()] };
}
