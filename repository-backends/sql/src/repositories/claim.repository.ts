import type { ClaimRepository } from "@ferry/sdk";
import { and, eq, lt } from "drizzle-orm";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Once-only keys (schedule fires, flow-trigger starts, webhook idempotency keys): the first claim of a key wins until it expires. */
export class SqlClaimRepository<Db extends SqlDatabase> implements ClaimRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async claim(key: string, executionId: string, expires: string): Promise<{ won: boolean; executionId: string }> {
    const { claims } = this.ctx.tables;
    // an expired claim is free: remove it first, then the key's primary key arbitrates
    await this.ctx.db().delete(claims).where(and(eq(claims.key, key), lt(claims.expires, new Date().toISOString())));
    await this.ctx.insertIgnore(claims, { key, executionId, expires });
    const [row] = (await this.ctx.db().select().from(claims).where(eq(claims.key, key)).limit(1));
    return { won: row?.executionId === executionId, executionId: row?.executionId ?? executionId };
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
}
