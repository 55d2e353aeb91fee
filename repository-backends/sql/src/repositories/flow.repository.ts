import { ConflictError, NotFoundError, type FlowRecord, type FlowRepository, type Page, type PageRequest } from "@ferry/sdk";
import { and, asc, count, desc, eq, gt, inArray, like, lt, max, or, sql, type SQL } from "drizzle-orm";
import { retryingLostRaces } from "../race-retry.js";
import { flowFromRow, type FlowRow } from "../rows.js";
import { inNamespace } from "../sql-conditions.js";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Flows: every saved revision of a flow's source is a row; a delete marks them all deleted. */
export class SqlFlowRepository<Db extends SqlDatabase> implements FlowRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async saveFlow(flow: { namespace: string; id: string; source: string }, options: { only?: "create" | "update" } = {}) {
    const { ctx } = this;
    const { flows } = ctx.tables;
    return retryingLostRaces(`saving flow ${flow.namespace}.${flow.id}`, (error) => ctx.lostRace(error), () =>
      ctx.transaction(async (tx) => {
        await ctx.lockFlow(tx, flow.namespace, flow.id);
        const [current] = (await tx
          .select()
          .from(flows)
          .where(and(eq(flows.namespace, flow.namespace), eq(flows.id, flow.id)))
          .orderBy(desc(flows.revision))
          .limit(1));
        const next = nextFlowRevision(flow, current, options.only);
        if (next.changed) await tx.insert(flows).values(next.row);
        return next.result;
      }),
    );
  }

  async getFlow(namespace: string, id: string, revision?: number): Promise<FlowRecord | undefined> {
    const { flows } = this.ctx.tables;
    const [row] = (await this.ctx.db()
      .select()
      .from(flows)
      .where(and(eq(flows.namespace, namespace), eq(flows.id, id), revision ? eq(flows.revision, revision) : undefined))
      .orderBy(desc(flows.revision))
      .limit(1));
    if (!row || (row.deleted && revision === undefined)) return undefined;
    return flowFromRow(row);
  }

  async listFlowRevisions(namespace: string, id: string): Promise<FlowRecord[]> {
    const { flows } = this.ctx.tables;
    const rows = (await this.ctx.db().select().from(flows).where(and(eq(flows.namespace, namespace), eq(flows.id, id))).orderBy(asc(flows.revision)));
    if (!rows.length || rows[rows.length - 1].deleted) return [];
    return rows.map(flowFromRow);
  }

  async searchFlows(query: { namespace?: string; q?: string } & PageRequest): Promise<Page<FlowRecord>> {
    const { flows } = this.ctx.tables;
    const filters: Array<SQL | undefined> = [eq(flows.deleted, false), this.isLatestRevision()];
    if (query.namespace) filters.push(inNamespace(flows.namespace, query.namespace));
    if (query.q) filters.push(or(like(flows.id, `%${query.q}%`), like(flows.namespace, `%${query.q}%`)));
    const where = and(...filters);
    const [{ n }] = (await this.ctx.db().select({ n: count() }).from(flows).where(where));
    const rows = (await this.ctx.db()
      .select()
      .from(flows)
      .where(where)
      .orderBy(asc(flows.namespace), asc(flows.id))
      .limit(query.size)
      .offset((query.page - 1) * query.size));
    return { results: rows.map(flowFromRow), total: Number(n) };
  }

  async listFlowChanges(since: string): Promise<FlowRecord[]> {
    const { flows } = this.ctx.tables;
    // the range on `updated` (indexed) comes first: a poll that finds nothing new reads nothing
    const rows = (await this.ctx.db()
      .select()
      .from(flows)
      .where(and(gt(flows.updated, since), this.isLatestRevision()))
      .orderBy(asc(flows.updated)));
    return rows.map(flowFromRow);
  }

  async deleteFlow(namespace: string, id: string): Promise<boolean> {
    const { flows } = this.ctx.tables;
    // one statement: of two concurrent deletes exactly one answers true. A live flow has at
    // least one revision not marked deleted (a deleted flow has all of them marked).
    const where = and(eq(flows.namespace, namespace), eq(flows.id, id), eq(flows.deleted, false));
    return this.ctx.changedRows(await this.ctx.db().update(flows).set({ deleted: true, updated: new Date().toISOString() }).where(where)) > 0;
  }

  async deleteFlowRevisions(namespace: string, id: string, revisions: number[]): Promise<number> {
    if (!revisions.length) return 0;
    const { ctx } = this;
    const { flows } = ctx.tables;
    const flow = and(eq(flows.namespace, namespace), eq(flows.id, id));
    // under the save lock: a save between reading the latest revision and the delete waits,
    // and the revision it read as latest stays either way
    return ctx.transaction(async (tx) => {
      await ctx.lockFlow(tx, namespace, id);
      const [{ latest }] = await tx.select({ latest: max(flows.revision) }).from(flows).where(flow);
      if (latest === null) return 0;
      return ctx.changedRows(await tx.delete(flows).where(and(flow, inArray(flows.revision, revisions), lt(flows.revision, Number(latest)))));
    });
  }

  /** the row is its flow's latest revision */
  private isLatestRevision(): SQL {
    const { flows } = this.ctx.tables;
    return sql`${flows.revision} = (select max(f2.revision) from ${flows} f2 where f2.namespace = ${flows.namespace} and f2.id = ${flows.id})`;
  }
}

type FlowSave = { flow: FlowRecord; created: boolean; changed: boolean };

/**
 * What saving `flow` does after its latest stored revision (`current`): nothing when the source
 * is unchanged, else insert `row`, revision + 1. `only` refuses a create over a live flow (409)
 * and an update of a missing one (404), judged on what the caller's transaction read.
 */
export function nextFlowRevision(
  flow: { namespace: string; id: string; source: string },
  current: FlowRow | undefined,
  only: "create" | "update" | undefined,
): { changed: false; result: FlowSave } | { changed: true; row: FlowRow; result: FlowSave } {
  const live = Boolean(current && !current.deleted);
  if (only === "create" && live) {
    throw new ConflictError(`flow ${flow.namespace}.${flow.id} already exists; update it with PUT /api/v1/flows/${flow.namespace}/${flow.id}`);
  }
  if (only === "update" && !live) throw new NotFoundError(`flow ${flow.namespace}.${flow.id} not found; create it with POST /api/v1/flows`);
  if (current && live && current.source === flow.source) return { changed: false, result: { flow: flowFromRow(current), created: false, changed: false } };
  const row: FlowRow = {
    namespace: flow.namespace, id: flow.id, revision: (current?.revision ?? 0) + 1, source: flow.source, deleted: false, updated: new Date().toISOString(),
  };
  return { changed: true, row, result: { flow: flowFromRow(row), created: !live, changed: true } };
}
