import { executionFromRow, TERMINAL } from "@ferry/repository-sql";
import { UserError, type ExecutionRecord, type ExecutionSearch, type Page, type PageRequest } from "@ferry/sdk";
import { and, count, desc, eq, getTableColumns, gte, inArray, isNull, lt, lte, or, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import * as schema from "./schema.js";

/** how many characters of a label's key and value its row keeps (schema.ts, hot-statements.ts) */
const KEY_CUT = 128;
const VALUE_CUT = 255;

/** what the label walk needs of the repository: its database, its label condition for further labels, its planner's estimate */
export interface LabelSearchContext {
  db(): {
    select(fields?: Record<string, unknown>): { from(table: unknown): LabelSelect };
  };
  hasLabel(column: typeof schema.executions.labels, key: string, value: string): SQL;
  estimateRows(query: SQLWrapper): Promise<number | undefined>;
}

/** the few builder steps used here, typed loosely: drizzle's MySQL select types do not survive the repository's shared database interface */
interface LabelSelect extends PromiseLike<unknown[]>, SQLWrapper {
  innerJoin(table: unknown, on: SQL): LabelSelect;
  where(condition: SQL | undefined): LabelSelect;
  orderBy(...columns: SQL[]): LabelSelect;
  limit(n: number): LabelSelect;
  offset(n: number): LabelSelect;
  as(alias: string): unknown;
}

/**
 * Whether a search is walked by its (first) label's rows (`execution_labels_walk`: key, value,
 * kind, created, id): a search by labels and a time range only. With a namespace, a flow, a
 * state or a parent, the executions' own index for it is walked as before, the labels checked
 * on each execution it finds.
 */
export function walksByLabel(query: ExecutionSearch): boolean {
  return Object.keys(query.labels ?? {}).length > 0 && !query.namespace && !query.flowId && !query.state?.length && !query.parentId;
}

/** characters as MySQL counts them (code points) */
const length = (text: string) => [...text].length;

/**
 * The search walked newest first along the first label's index entries, each joined to its
 * execution by primary key, stopping at the page's end: a page reads `size` entries (and the
 * executions behind them) whether 1,000 or 500,000 executions carry the label. Its count reads
 * the index alone when the label is exact there (within the cut lengths) and nothing else
 * needs the execution's row.
 */
export async function searchByLabel(ctx: LabelSearchContext, query: ExecutionSearch & PageRequest): Promise<Page<ExecutionRecord>> {
  if (query.after && query.page !== 1) throw new UserError("a search continues either after a cursor or at a page, not both", { status: 400 });
  const { executionLabels: l, executions: e } = schema;
  const [[key, value], ...others] = Object.entries(query.labels!);
  const cut = length(key) > KEY_CUT || length(value) > VALUE_CUT;
  const entries = and(
    eq(l.key, sql`left(${key}, ${KEY_CUT})`),
    eq(l.value, sql`left(${value}, ${VALUE_CUT})`),
    // a Loop's iterations are found only when asked for (as SqlExecutionRepository.searchExecutions)
    query.kind === "LOOP" ? eq(l.kind, "LOOP") : isNull(l.kind),
    query.startedAfter ? gte(l.created, query.startedAfter) : undefined,
    // it started before it ended: the bound's end of the walk
    query.endedBefore ? lte(l.created, query.endedBefore) : undefined,
  );
  const onExecution = and(
    // a cut label's rows narrow; its execution's JSON holds it exactly or not
    cut ? sql`JSON_CONTAINS(${e.labels}, JSON_OBJECT(${key}, ${value}))` : undefined,
    query.endedBefore ? and(inArray(e.state, TERMINAL), lte(e.updated, query.endedBefore)) : undefined,
    ...others.map(([k, v]) => ctx.hasLabel(e.labels, k, v)),
  );
  const { after } = query;
  const page = after ? and(lte(l.created, after.created), or(lt(l.created, after.created), lt(l.executionId, after.id))) : undefined;
  const joined = () => ctx.db().select(getTableColumns(e)).from(l).innerJoin(e, eq(e.id, l.executionId));
  const [rows, total] = await Promise.all([
    joined().where(and(entries, onExecution, page)).orderBy(desc(l.created), desc(l.executionId)).limit(query.size).offset(after ? 0 : (query.page - 1) * query.size),
    countByLabel(ctx, entries, onExecution, query.countUpTo),
  ]);
  return { results: (rows as Array<Parameters<typeof executionFromRow>[0]>).map(executionFromRow), ...total };
}

/** exact up to `upTo` (the index alone when the execution's row adds no condition), past it the planner's estimate */
async function countByLabel(ctx: LabelSearchContext, entries: SQL | undefined, onExecution: SQL | undefined, upTo: number | undefined): Promise<{ total: number; totalEstimated?: true }> {
  const { executionLabels: l, executions: e } = schema;
  const matches = () => (onExecution ? ctx.db().select({ one: sql`1` }).from(l).innerJoin(e, eq(e.id, l.executionId)).where(and(entries, onExecution)) : ctx.db().select({ one: sql`1` }).from(l).where(entries));
  const counted = async (query: LabelSelect) => Number(((await ctx.db().select({ n: count() }).from(query.as("matches"))) as Array<{ n: number | string }>)[0].n);
  if (upTo === undefined) return { total: await counted(matches()) };
  const n = await counted(matches().limit(upTo + 1));
  if (n <= upTo) return { total: n };
  const estimate = await ctx.estimateRows(ctx.db().select({ one: sql`1` }).from(l).where(entries));
  return estimate === undefined ? { total: await counted(matches()) } : { total: Math.max(upTo + 1, estimate), totalEstimated: true };
}
