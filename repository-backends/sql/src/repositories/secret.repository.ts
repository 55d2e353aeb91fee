import type { SecretRecord, SecretRepository } from "@ferry/sdk";
import { and, asc, eq } from "drizzle-orm";
import { retryingLostRaces } from "../race-retry.js";
import type { SqlContext } from "../sql-context.js";
import type { SqlDatabase } from "../sql-database.js";

/** Encrypted secrets of the database secret backend: ciphertext only, by namespace and name. */
export class SqlSecretRepository<Db extends SqlDatabase> implements SecretRepository {
  constructor(private readonly ctx: SqlContext<Db>) {}

  async getSecret(namespace: string, name: string): Promise<SecretRecord | undefined> {
    const { secrets } = this.ctx.tables;
    const [row] = (await this.ctx.db().select().from(secrets).where(and(eq(secrets.namespace, namespace), eq(secrets.name, name))).limit(1));
    return row && { ...row };
  }

  async listSecrets(namespace?: string): Promise<SecretRecord[]> {
    const { secrets } = this.ctx.tables;
    const rows = (await this.ctx.db()
      .select()
      .from(secrets)
      .where(namespace === undefined ? undefined : eq(secrets.namespace, namespace))
      .orderBy(asc(secrets.namespace), asc(secrets.name)));
    return rows.map((r) => ({ ...r }));
  }

  async saveSecret(record: SecretRecord): Promise<void> {
    const { secrets } = this.ctx.tables;
    // an upsert, not delete + insert: two concurrent first saves would both insert
    await this.ctx.upsert(this.ctx.db(), secrets, [{ ...record }], [secrets.namespace, secrets.name]);
  }

  async deleteSecret(namespace: string, name: string): Promise<boolean> {
    const { secrets } = this.ctx.tables;
    return this.ctx.changedRows(await this.ctx.db().delete(secrets).where(and(eq(secrets.namespace, namespace), eq(secrets.name, name)))) > 0;
  }

  async replaceSecrets(records: SecretRecord[]): Promise<void> {
    const { ctx } = this;
    const { secrets } = ctx.tables;
    // a secret saved meanwhile (uncommitted when the delete ran) takes a key the insert wants: run it all again
    await retryingLostRaces("replacing the secrets", (error) => ctx.lostRace(error), () =>
      ctx.transaction(async (tx) => {
        await tx.delete(secrets);
        if (records.length) await tx.insert(secrets).values(records.map((r) => ({ ...r })));
      }),
    );
  }
}
