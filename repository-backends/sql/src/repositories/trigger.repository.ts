import type { TriggerRef, TriggerRepository, TriggerStateRecord } from "@ferry/sdk";
import { and, asc, eq, gt, isNull, lt, or, type SQL } from "drizzle-orm";
import { triggerFromRow, triggerToRow } from "../rows.js";
import { inNamespace } from "../sql-conditions.js";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Trigger states: a trigger's last and next fire and whether it is disabled. */
export class SqlTriggerRepository<Db extends SqlDatabase> implements TriggerRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async listTriggerStates(query: { namespace?: string; flowId?: string; updatedAfter?: string } = {}): Promise<TriggerStateRecord[]> {
    const { triggers } = this.ctx.tables;
    const rows = (await this.ctx.db()
      .select()
      .from(triggers)
      .where(
        and(
          inNamespace(triggers.namespace, query.namespace),
          query.flowId ? eq(triggers.flowId, query.flowId) : undefined,
          query.updatedAfter !== undefined ? gt(triggers.updated, query.updatedAfter) : undefined,
        ),
      )
      .orderBy(asc(triggers.namespace), asc(triggers.flowId), asc(triggers.triggerId)));
    return rows.map(triggerFromRow);
  }

  async initTriggerState(state: TriggerStateRecord): Promise<TriggerStateRecord> {
    await this.ctx.insertIgnore(this.ctx.tables.triggers, triggerToRow(state));
    return (await this.triggerState(state))!;
  }

  async recordTriggerFire(ref: TriggerRef, fire: string, next?: string): Promise<void> {
    const { triggers } = this.ctx.tables;
    // a fire older than the one recorded changes nothing: two schedulers may record the same tick
    await this.ctx.db()
      .update(triggers)
      .set({ lastFire: fire, nextFire: next ?? null, updated: new Date().toISOString() })
      .where(and(this.isTrigger(ref), or(isNull(triggers.lastFire), lt(triggers.lastFire, fire))));
  }

  async setTriggerDisabled(ref: TriggerRef, disabled: boolean): Promise<TriggerStateRecord> {
    const { triggers } = this.ctx.tables;
    const updated = new Date().toISOString();
    await this.ctx.insertIgnore(triggers, triggerToRow({ ...ref, disabled, updated }));
    await this.ctx.db().update(triggers).set({ disabled, updated }).where(this.isTrigger(ref));
    return (await this.triggerState(ref))!;
  }

  private isTrigger(ref: TriggerRef): SQL | undefined {
    const { triggers } = this.ctx.tables;
    return and(eq(triggers.namespace, ref.namespace), eq(triggers.flowId, ref.flowId), eq(triggers.triggerId, ref.triggerId));
  }

  private async triggerState(ref: TriggerRef): Promise<TriggerStateRecord | undefined> {
    const [row] = (await this.ctx.db().select().from(this.ctx.tables.triggers).where(this.isTrigger(ref)).limit(1));
    return row && triggerFromRow(row);
  }
}
