import { isTerminal, type ExecutionRecord, type StateCount, type StateCountsQuery } from "@ferry/sdk";

/** the start of the hour or UTC day `iso` falls in */
export function bucketOf(iso: string, interval: "hour" | "day"): string {
  const date = new Date(iso);
  if (interval === "day") date.setUTCHours(0, 0, 0, 0);
  else date.setUTCMinutes(0, 0, 0);
  return date.toISOString();
}

/**
 * Counts per group and state of the executions created in [from, to), with the durations of
 * the ended ones: what a repository plugin without countExecutionStates is counted with.
 */
export function countByGroup(executions: Iterable<ExecutionRecord>, query: StateCountsQuery): StateCount[] {
  const counts = new Map<string, StateCount>();
  for (const e of executions) {
    if (e.created < query.from || e.created >= query.to) continue;
    const group = query.groupBy === "flow" ? { namespace: e.namespace, flowId: e.flowId } : { bucket: bucketOf(e.created, query.groupBy) };
    const key = `${JSON.stringify(group)}|${e.state.current}`;
    const entry = counts.get(key) ?? { ...group, state: e.state.current, count: 0 };
    entry.count++;
    if (isTerminal(e.state.current)) {
      const seconds = (Date.parse(e.updated) - Date.parse(e.created)) / 1000;
      const d = entry.duration;
      entry.duration = d ? { min: Math.min(d.min, seconds), max: Math.max(d.max, seconds), sum: d.sum + seconds } : { min: seconds, max: seconds, sum: seconds };
    }
    counts.set(key, entry);
  }
  return [...counts.values()];
}
