import type { NamespaceRepository } from "@ferry/sdk";
import { eq } from "drizzle-orm";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Namespaces exist by use: those of live flows, KV entries and connections. */
export class SqlNamespaceRepository<Db extends SqlDatabase> implements NamespaceRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async listNamespaces(): Promise<string[]> {
    const { flows, kv, connections } = this.ctx.tables;
    const db = this.ctx.db();
    const found = (await Promise.all([
      db.selectDistinct({ namespace: flows.namespace }).from(flows).where(eq(flows.deleted, false)),
      db.selectDistinct({ namespace: kv.namespace }).from(kv),
      db.selectDistinct({ namespace: connections.namespace }).from(connections),
    ]));
    return [...new Set(found.flat().map((r) => r.namespace))].sort();
  }
}
