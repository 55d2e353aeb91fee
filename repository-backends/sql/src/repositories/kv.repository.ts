import type { KvRecord, KvRepository } from "@ferry/sdk";
import { and, asc, eq } from "drizzle-orm";
import { kvFromRow } from "../rows.js";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** The KV store's entries (their values are storage URIs), with compare-and-set on the value. */
export class SqlKvRepository<Db extends SqlDatabase> implements KvRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async getKv(namespace: string, key: string): Promise<KvRecord | undefined> {
    const { kv } = this.ctx.tables;
    const [row] = (await this.ctx.db().select().from(kv).where(and(eq(kv.namespace, namespace), eq(kv.key, key))).limit(1));
    return row && kvFromRow(row);
  }

  async listKv(namespace: string, prefix = ""): Promise<KvRecord[]> {
    const { kv } = this.ctx.tables;
    const rows = (await this.ctx.db().select().from(kv).where(eq(kv.namespace, namespace)).orderBy(asc(kv.key)));
    // the prefix is matched here, not with LIKE: keys hold '_' and '.', and each dialect escapes LIKE its own way
    return rows.filter((r) => r.key.startsWith(prefix)).map(kvFromRow);
  }

  async saveKv(record: KvRecord, options: { ifValueUri?: string | null } = {}): Promise<boolean> {
    const { ctx } = this;
    const { kv } = ctx.tables;
    const row = { ...record, expires: record.expires ?? null };
    if (options.ifValueUri === undefined) {
      await ctx.upsert(ctx.db(), kv, [row], [kv.namespace, kv.key], ["created"]);
      return true;
    }
    if (options.ifValueUri === null) return (await ctx.insertIgnore(kv, row)) > 0;
    const { namespace, key, created, ...changes } = row;
    const where = and(eq(kv.namespace, namespace), eq(kv.key, key), eq(kv.valueUri, options.ifValueUri));
    return ctx.changedRows(await ctx.db().update(kv).set(changes).where(where)) > 0;
  }

  async deleteKv(namespace: string, key: string, options: { ifValueUri?: string } = {}): Promise<boolean> {
    const { kv } = this.ctx.tables;
    const where = and(eq(kv.namespace, namespace), eq(kv.key, key), options.ifValueUri === undefined ? undefined : eq(kv.valueUri, options.ifValueUri));
    return this.ctx.changedRows(await this.ctx.db().delete(kv).where(where)) > 0;
  }
}
