import type { ConcurrencyRepository, ConcurrencySlotRecord } from "@ferry/sdk";
import { and, asc, count, desc, eq, inArray, isNull, lt, or } from "drizzle-orm";
import { TERMINAL } from "../sql-conditions.js";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** how many waiting executions one release or repair looks at: later ones move up as those start */
const ADMIT_BATCH = 100;

type Slot = Omit<ConcurrencySlotRecord, "running">;

/**
 * Flow concurrency slots, written once for every SQL dialect. Each change runs in one
 * transaction holding the flow's lock (withFlowSlotsLocked), so counting the holders and
 * taking a slot is one atomic step across processes.
 */
export class SqlConcurrencyRepository<Db extends SqlDatabase> implements ConcurrencyRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async acquireConcurrencySlot(slot: Slot, wait: boolean): Promise<"running" | "waiting" | "refused"> {
    return this.withFlowSlotsLocked(slot.namespace, slot.flowId, (tx) => this.acquire(tx, slot, wait));
  }

  async releaseConcurrencySlot(executionId: string): Promise<string[]> {
    const held = await this.find(this.ctx.db(), executionId);
    if (!held) return [];
    return this.withFlowSlotsLocked(held.namespace, held.flowId, async (tx) => {
      await this.release(tx, executionId);
      return this.admissible(tx, held.namespace, held.flowId);
    });
  }

  async listConcurrencySlots(namespace: string, flowId: string): Promise<ConcurrencySlotRecord[]> {
    const { slots } = this;
    const rows = (await this.ctx.db().select().from(slots).where(this.ofFlow(namespace, flowId)).orderBy(desc(slots.running), asc(slots.queuedAt), asc(slots.executionId)));
    return rows.map((r) => ({ ...r, running: Boolean(r.running) }));
  }

  async repairConcurrencySlots(): Promise<{ released: number; admissible: string[] }> {
    const orphans = await this.orphans(this.ctx.db());
    for (const id of orphans) await this.releaseConcurrencySlot(id);
    const admissible: string[] = [];
    for (const flow of await this.flowsWaiting(this.ctx.db())) admissible.push(...(await this.admissible(this.ctx.db(), flow.namespace, flow.flowId)));
    return { released: orphans.length, admissible };
  }

  /**
   * Runs fn in one transaction that holds the flow's lock row (SELECT … FOR UPDATE), so
   * admissions to one flow happen one at a time across processes. The row is created first,
   * outside, as a row must exist to be locked.
   */
  private async withFlowSlotsLocked<T>(namespace: string, flowId: string, fn: (tx: Db) => Promise<T>): Promise<T> {
    const { ctx } = this;
    await ctx.insertIgnore(ctx.tables.concurrencyLocks, { namespace, flowId });
    return ctx.transaction(async (tx) => {
      await ctx.lockFlowSlots(tx, namespace, flowId);
      return fn(tx);
    });
  }

  private get slots() {
    return this.ctx.tables.concurrencySlots;
  }

  private ofFlow(namespace: string, flowId: string) {
    return and(eq(this.slots.namespace, namespace), eq(this.slots.flowId, flowId));
  }

  private async acquire(tx: SqlDatabase, slot: Slot, wait: boolean): Promise<"running" | "waiting" | "refused"> {
    const { slots } = this;
    const [mine] = (await tx.select().from(slots).where(eq(slots.executionId, slot.executionId)).limit(1));
    if (mine?.running) return "running";
    const queuedAt = mine?.queuedAt ?? slot.queuedAt;
    const [{ running }] = (await tx.select({ running: count() }).from(slots).where(and(this.ofFlow(slot.namespace, slot.flowId), eq(slots.running, true))));
    // FIFO: a later execution never takes a slot while an earlier one waits
    const earlier = or(lt(slots.queuedAt, queuedAt), and(eq(slots.queuedAt, queuedAt), lt(slots.executionId, slot.executionId)));
    const [{ ahead }] = (await tx.select({ ahead: count() }).from(slots).where(and(this.ofFlow(slot.namespace, slot.flowId), eq(slots.running, false), earlier)));
    if (Number(running) + Number(ahead) < slot.limit) {
      if (mine) await tx.update(slots).set({ running: true }).where(eq(slots.executionId, slot.executionId));
      else await tx.insert(slots).values({ ...slot, running: true });
      return "running";
    }
    if (!wait) {
      if (mine) await tx.delete(slots).where(eq(slots.executionId, slot.executionId));
      return "refused";
    }
    if (!mine) await tx.insert(slots).values({ ...slot, running: false });
    return "waiting";
  }

  /** the execution's slot or place, read before locking its flow */
  private async find(db: SqlDatabase, executionId: string): Promise<ConcurrencySlotRecord | undefined> {
    const [row] = (await db.select().from(this.slots).where(eq(this.slots.executionId, executionId)).limit(1));
    return row;
  }

  private async release(tx: SqlDatabase, executionId: string): Promise<void> {
    await tx.delete(this.slots).where(eq(this.slots.executionId, executionId));
  }

  /** the waiting executions of a flow a slot is free for, oldest first */
  private async admissible(db: SqlDatabase, namespace: string, flowId: string): Promise<string[]> {
    const { slots } = this;
    const [{ running }] = (await db.select({ running: count() }).from(slots).where(and(this.ofFlow(namespace, flowId), eq(slots.running, true))));
    const line = (await db
      .select({ executionId: slots.executionId, limit: slots.limit })
      .from(slots)
      .where(and(this.ofFlow(namespace, flowId), eq(slots.running, false)))
      .orderBy(asc(slots.queuedAt), asc(slots.executionId))
      .limit(ADMIT_BATCH));
    const free: string[] = [];
    for (const waiting of line) {
      if (Number(running) + free.length >= waiting.limit) break;
      free.push(waiting.executionId);
    }
    return free;
  }

  /** slots and places of executions that ended or are gone */
  private async orphans(db: SqlDatabase): Promise<string[]> {
    const { slots } = this;
    const { executions } = this.ctx.tables;
    const rows = (await db
      .select({ executionId: slots.executionId })
      .from(slots)
      .leftJoin(executions, eq(executions.id, slots.executionId))
      .where(or(isNull(executions.id), inArray(executions.state, TERMINAL))));
    return rows.map((r) => r.executionId);
  }

  /** the flows with executions waiting */
  private async flowsWaiting(db: SqlDatabase): Promise<Array<{ namespace: string; flowId: string }>> {
    const { slots } = this;
    return (await db.selectDistinct({ namespace: slots.namespace, flowId: slots.flowId }).from(slots).where(eq(slots.running, false)));
  }
}

