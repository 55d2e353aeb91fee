import type { TaskCacheRecord, TaskCacheRepository } from "@ferry/sdk";
import { eq } from "drizzle-orm";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Task cache entries (a task's outputs kept under its cache key until they expire). */
export class SqlTaskCacheRepository<Db extends SqlDatabase> implements TaskCacheRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async getTaskCache(key: string): Promise<TaskCacheRecord | undefined> {
    const { taskCache } = this.ctx.tables;
    const [row] = (await this.ctx.db().select().from(taskCache).where(eq(taskCache.key, key)).limit(1));
    return row && { ...row };
  }

  async saveTaskCache(record: TaskCacheRecord): Promise<void> {
    const { taskCache } = this.ctx.tables;
    await this.ctx.upsert(this.ctx.db(), taskCache, [{ ...record }], taskCache.key);
  }

  async deleteTaskCache(key: string): Promise<boolean> {
    const { taskCache } = this.ctx.tables;
    return this.ctx.changedRows(await this.ctx.db().delete(taskCache).where(eq(taskCache.key, key))) > 0;
  }
}
