import type { ClaimRepository, StartClaim } from "@ferry/sdk";
import { and, eq, isNotNull, lt } from "drizzle-orm";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Once-only keys (schedule fires, flow-trigger starts, webhook idempotency keys): the first claim of a key wins until it expires. */
export class SqlClaimRepository<Db extends SqlDatabase> implements ClaimRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async claim(key: string, executionId: string, expires: string): Promise<{ won: boolean; executionId: string }> {
    const row = await this.insertFirst(key, executionId, expires, null);
    return { won: row?.executionId === executionId, executionId: row?.executionId ?? executionId };
  }

  async claimStart(key: string, executionId: string, expires: string, lease: string): Promise<StartClaim> {
    const { claims } = this.ctx.tables;
    const row = await this.insertFirst(key, executionId, expires, lease);
    if (!row) return { won: false, executionId, pendingUntil: lease };
    if (row.executionId === executionId) return { won: true, executionId };
    if (row.pendingUntil === null || row.pendingUntil === undefined) return { won: false, executionId: row.executionId };
    const now = new Date().toISOString();
    if (row.pendingUntil >= now) return { won: false, executionId: row.executionId, pendingUntil: row.pendingUntil };
    // the holder's lease passed with its execution not said created: one taker moves the lease. The
    // condition is read again under the row's lock (PostgreSQL's re-check, InnoDB's locking read,
    // SQLite's one writer): of racing takers, the first's new lease is not past, and the others match nothing.
    const moved = this.ctx.changedRows(
      await this.ctx.db().update(claims).set({ pendingUntil: lease }).where(and(eq(claims.key, key), eq(claims.executionId, row.executionId), isNotNull(claims.pendingUntil), lt(claims.pendingUntil, now))),
    );
    if (moved > 0) return { won: true, executionId: row.executionId, takenOver: true };
    const [again] = await this.ctx.db().select().from(claims).where(eq(claims.key, key)).limit(1);
    return { won: false, executionId: again?.executionId ?? row.executionId, ...(again?.pendingUntil ? { pendingUntil: again.pendingUntil } : {}) };
  }

  async claimCreated(key: string, executionId: string): Promise<void> {
    const { claims } = this.ctx.tables;
    await this.ctx.db().update(claims).set({ pendingUntil: null }).where(and(eq(claims.key, key), eq(claims.executionId, executionId), isNotNull(claims.pendingUntil)));
  }

  /** a lease's renewal: only its holder's row moves; a row matched counts, changed or not (each dialect's changedRows) */
  async extendClaim(key: string, executionId: string, expires: string): Promise<boolean> {
    const { claims } = this.ctx.tables;
    return this.ctx.changedRows(await this.ctx.db().update(claims).set({ expires }).where(and(eq(claims.key, key), eq(claims.executionId, executionId)))) > 0;
  }

  async deleteExpiredClaims(now: string): Promise<number> {
    const { claims } = this.ctx.tables;
    return this.ctx.changedRows(await this.ctx.db().delete(claims).where(lt(claims.expires, now)));
  }

  /** the key's row after an insert that only a free key takes (an expired claim is free: removed first) */
  private async insertFirst(key: string, executionId: string, expires: string, pendingUntil: string | null) {
    const { claims } = this.ctx.tables;
    await this.ctx.db().delete(claims).where(and(eq(claims.key, key), lt(claims.expires, new Date().toISOString())));
    await this.ctx.insertIgnore(claims, { key, executionId, expires, pendingUntil });
    const [row] = await this.ctx.db().select().from(claims).where(eq(claims.key, key)).limit(1);
    return row as { executionId: string; pendingUntil?: string | null } | undefined;
  }
}
