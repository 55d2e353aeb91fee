import { parseJsonFromOutside, UserError } from "@ferry/sdk";
import { Hono, type Context } from "hono";
import type { ApiDeps } from "../api-deps.js";
import { dateQuery } from "../params.js";
import { executionStatistics, type StatisticsQuery } from "../ui/execution-statistics.js";

const DAY = 86_400_000;
/** how long one scan's answer serves the same question */
const CACHE_MS = 5_000;
/** a range longer than this is refused: its scan would read every execution of a year */
const MAX_DAYS = 366;

/** the JSON body `{namespace?, flowId?, startDate?, endDate?}` (Kestra's); the last 30 days by default */
async function queryOf(c: Context): Promise<StatisticsQuery> {
  const text = await c.req.text();
  const body = text.trim() ? parseJsonFromOutside(text, "the statistics body") : {};
  if (!body || typeof body !== "object" || Array.isArray(body)) throw new UserError("the body must be a JSON object {namespace?, flowId?, startDate?, endDate?}", { status: 400 });
  const b = body as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!["namespace", "flowId", "startDate", "endDate"].includes(key)) throw new UserError(`unknown key '${key.slice(0, 40)}' (namespace, flowId, startDate, endDate)`, { status: 400 });
    if (b[key] !== null && typeof b[key] !== "string") throw new UserError(`${key} must be a string`, { status: 400 });
  }
  const endDate = dateQuery((b.endDate as string | null) ?? undefined, "endDate") ?? new Date().toISOString();
  const startDate = dateQuery((b.startDate as string | null) ?? undefined, "startDate") ?? new Date(Date.parse(endDate) - 30 * DAY).toISOString();
  if (Date.parse(startDate) > Date.parse(endDate)) throw new UserError("startDate is after endDate", { status: 400 });
  if (Date.parse(endDate) - Date.parse(startDate) > MAX_DAYS * DAY) throw new UserError(`the range is over ${MAX_DAYS} days`, { status: 422 });
  return { namespace: (b.namespace as string | null) ?? undefined, flowId: (b.flowId as string | null) ?? undefined, startDate, endDate };
}

/**
 * Execution statistics for the dashboard: `POST /statistics/daily` answers Kestra's
 * DailyExecutionStatistics list (counts per state and durations, per day);
 * `POST /statistics/flows` the same numbers per flow (Ferry's: the slowest and most failing flows).
 */
export function executionStatisticsRoutes(deps: ApiDeps): Hono {
  const app = new Hono();
  // one scan answers the daily and per-flow questions of every dashboard asking within a few
  // seconds (the range is rounded to the minute): dashboards refreshing together do not pile up scans
  const recent = new Map<string, { at: number; answer: ReturnType<typeof executionStatistics> }>();
  const statistics = (query: StatisticsQuery) => {
    const minute = (iso: string) => iso.slice(0, 16);
    const key = JSON.stringify([query.namespace, query.flowId, minute(query.startDate), minute(query.endDate)]);
    const now = Date.now();
    for (const [k, v] of recent) if (now - v.at > CACHE_MS) recent.delete(k);
    let entry = recent.get(key);
    if (!entry) {
      entry = { at: now, answer: executionStatistics(deps.history.statisticsSource(), query) };
      entry.answer.catch(() => recent.delete(key));
      recent.set(key, entry);
    }
    return entry.answer;
  };
  app.post("/statistics/daily", async (c) => c.json((await statistics(await queryOf(c))).daily));
  app.post("/statistics/flows", async (c) => c.json((await statistics(await queryOf(c))).flows));
  return app;
}
