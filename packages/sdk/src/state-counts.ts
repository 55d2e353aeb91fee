import type { StateCount, StateCountsQuery } from "./history.js";
import type { ExecutionRecord } from "./model.js";
import { isTerminal } from "./states.js";

/** the start of the UTC hour or day `iso` falls in */
export function bucketOf(iso: string, interval: "hour" | "day"): string {
  const date = new Date(iso);
  if (interval === "day") date.setUTCHours(0, 0, 0, 0);
  else date.setUTCMinutes(0, 0, 0);
  return date.toISOString();
}

/**
 * Counts per group (hour or day of creation, or flow) and state of the executions created in
 * [query.from, query.to), with the durations of the ended ones: countStates and
 * countExecutionStates for a store that keeps executions in memory or reads them in a scan.
 * The caller keeps only the executions of the query's namespace and flow.
 */
export function countByGroup(executions: Iterable<ExecutionRecord>, query: StateCountsQuery): StateCount[] {
  const counts = new Map<string, StateCount>();
  for (const e of executions) {
    if (e.created < query.from || e.created >= query.to) continue;
    const group = query.groupBy === "flow" ? { namespace: e.namespace, flowId: e.flowId } : { bucket: bucketOf(e.created, query.groupBy) };
    const key = `${JSON.stringify(group)}|${e.state.current}`;
    const entry = counts.get(key) ?? { ...group, state: e.state.current, count: 0 };
    entry.count++;
    // an ended execution's last update is its end; one still running has no duration yet
    if (isTerminal(e.state.current)) {
      const seconds = (Date.parse(e.updated) - Date.parse(e.created)) / 1000;
      const d = entry.duration;
      entry.duration = d ? { min: Math.min(d.min, seconds), max: Math.max(d.max, seconds), sum: d.sum + seconds } : { min: seconds, max: seconds, sum: seconds };
    }
    counts.set(key, entry);
  }
  return [...counts.values()];
}
