import type { ConnectionRecord, ConnectionRepository } from "@ferry/sdk";
import { and, asc, eq } from "drizzle-orm";
import { connectionFromRow, connectionToRow } from "../connection-rows.js";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Namespace connections (named, typed settings tasks refer to). */
export class SqlConnectionRepository<Db extends SqlDatabase> implements ConnectionRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async getConnection(namespace: string, id: string): Promise<ConnectionRecord | undefined> {
    const { connections } = this.ctx.tables;
    const [row] = (await this.ctx.db().select().from(connections).where(and(eq(connections.namespace, namespace), eq(connections.id, id))).limit(1));
    return row && connectionFromRow(row);
  }

  async listConnections(namespace: string): Promise<ConnectionRecord[]> {
    const { connections } = this.ctx.tables;
    const rows = (await this.ctx.db().select().from(connections).where(eq(connections.namespace, namespace)).orderBy(asc(connections.id)));
    return rows.map(connectionFromRow);
  }

  async saveConnection(record: ConnectionRecord): Promise<void> {
    const { connections } = this.ctx.tables;
    // one upsert: concurrent first saves of one id never fail on its key, and the first `created` stays
    await this.ctx.upsert(this.ctx.db(), connections, [connectionToRow(record)], [connections.namespace, connections.id], ["created"]);
  }

  async deleteConnection(namespace: string, id: string): Promise<boolean> {
    const { connections } = this.ctx.tables;
    return this.ctx.changedRows(await this.ctx.db().delete(connections).where(and(eq(connections.namespace, namespace), eq(connections.id, id)))) > 0;
  }
}
