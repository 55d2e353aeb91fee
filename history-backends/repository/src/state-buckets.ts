import type { ExecutionRecord, StateCount, StateCountsQuery } from "@ferry/sdk";

/** the start of the hour or UTC day `iso` falls in */
export function bucketOf(iso: string, interval: StateCountsQuery["interval"]): string {
  const date = new Date(iso);
  if (interval === "day") date.setUTCHours(0, 0, 0, 0);
  else date.setUTCMinutes(0, 0, 0);
  return date.toISOString();
}

/** counts per (bucket, state) of the executions created in [from, to) */
export function countByBucket(executions: Iterable<ExecutionRecord>, query: StateCountsQuery): StateCount[] {
  const counts = new Map<string, StateCount>();
  for (const e of executions) {
    if (e.created < query.from || e.created >= query.to) continue;
    const bucket = bucketOf(e.created, query.interval);
    const key = `${bucket}|${e.state.current}`;
    const entry = counts.get(key) ?? { bucket, state: e.state.current, count: 0 };
    entry.count++;
    counts.set(key, entry);
  }
  return [...counts.values()];
}
