import type { StateCount, StateCountsQuery } from "@ferry/sdk";
import { and, eq, gte, inArray, isNull, lt, sql, type SQL } from "drizzle-orm";
import { inNamespace, TERMINAL } from "../sql-conditions.js";
import type { SqlContext } from "../sql-context.js";

/** how many leading characters of an ISO-8601 date name its bucket, and what completes the bucket's start */
const BUCKETS = { day: [10, "T00:00:00.000Z"], hour: [13, ":00:00.000Z"] } as const;

/**
 * Executions counted per state by one GROUP BY, per hour or day of creation or per flow, with
 * the durations of the ended ones. Dates are ISO-8601 text in every dialect, so a bucket is a
 * prefix of `created`; only the seconds between two dates are the dialect's (secondsBetween).
 */
export async function countExecutionStates(ctx: SqlContext, query: StateCountsQuery): Promise<StateCount[]> {
  const { executions } = ctx.tables;
  // the ended executions' durations: null for the others, which min/max/sum skip
  const seconds = sql`case when ${inArray(executions.state, TERMINAL)} then ${ctx.secondsBetween(executions.created, executions.updated)} end`;
  const where = and(
    gte(executions.created, query.from),
    lt(executions.created, query.to),
    query.flowId && query.namespace ? eq(executions.namespace, query.namespace) : inNamespace(executions.namespace, query.namespace),
    query.flowId ? eq(executions.flowId, query.flowId) : undefined,
    // a Loop's iterations are parts of their execution, not executions of the flow (Kestra's statistics count NORMAL ones)
    isNull(executions.kind),
  );
  const measures = { state: executions.state, n: sql<number>`count(*)`, min: sql<number | null>`min(${seconds})`, max: sql<number | null>`max(${seconds})`, sum: sql<number | null>`sum(${seconds})` };
  const rows: Array<{ bucket?: string; namespace?: string; flowId?: string; state: string; n: number; min: number | null; max: number | null; sum: number | null }> = [];
  if (query.groupBy === "flow") {
    rows.push(...(await ctx.db().select({ namespace: executions.namespace, flowId: executions.flowId, ...measures }).from(executions).where(where)
      .groupBy(executions.namespace, executions.flowId, executions.state)));
  } else {
    const [length, rest] = BUCKETS[query.groupBy];
    const prefix: SQL<string> = sql<string>`substr(${executions.created}, 1, ${sql.raw(String(length))})`;
    const grouped = await ctx.db().select({ prefix, ...measures }).from(executions).where(where).groupBy(prefix, executions.state);
    rows.push(...grouped.map(({ prefix: start, ...row }) => ({ ...row, bucket: `${start}${rest}` })));
  }
  return rows.map(({ bucket, namespace, flowId, state, n, min, max, sum }) => ({
    ...(bucket !== undefined ? { bucket } : { namespace, flowId }),
    state: state as StateCount["state"],
    count: Number(n),
    ...(min === null || max === null || sum === null ? {} : { duration: { min: Number(min), max: Number(max), sum: Number(sum) } }),
  }));
}
