import { isUnavailable } from "@ferry/sdk";
import { repositoryContract } from "@ferry/testkit";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresRepository } from "./postgres.repository.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "./test-database.test-support.js";

const databases: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});
const fresh = async () => {
  const db = await createPostgresTestDatabase();
  databases.push(db);
  return db.url;
};

describe.skipIf(!POSTGRES_URL)("postgres repository", () => {
  repositoryContract("postgres", async () => createPostgresRepository({ type: "postgres", url: await fresh() }));

  it("starts and works with a pool of one connection (the migration lock is held apart from the pool)", async () => {
    const repo = createPostgresRepository({ type: "postgres", url: await fresh(), poolSize: 1 });
    await repo.init();
    await repo.saveFlow({ namespace: "one", id: "f", source: "x" });
    expect((await repo.getFlow("one", "f"))?.revision).toBe(1);
    await repo.close();
  }, 20_000);

  for (const poolSize of [1, 2]) {
    it(`with a pool of ${poolSize}: a connection lost, then refused, fails each call as out of reach (none waits forever) and works once the database is back`, async () => {
      // postgres.js 3.4.x kept the failed query on its connection, whose refused reconnects
      // then looped without end: with one connection, every later call waited forever
      const url = await fresh();
      const name = new URL(url).pathname.slice(1);
      const repo = createPostgresRepository({ type: "postgres", url, poolSize });
      const admin = postgres(POSTGRES_URL!, { max: 1, onnotice: () => undefined });
      try {
        await repo.init();
        await repo.saveFlow({ namespace: "lost", id: "f", source: "x" });
        await admin.unsafe(`alter database "${name}" with allow_connections false`);
        // the pool's connections are terminated; the next call meets its closed socket, the later ones a refusal
        await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name}`;
        for (let call = 0; call < 4; call++) {
          const refused = await repo.getFlow("lost", "f").catch((error: unknown) => error);
          expect(isUnavailable(refused), String(refused)).toBe(true);
        }
        await admin.unsafe(`alter database "${name}" with allow_connections true`);
        expect((await repo.getFlow("lost", "f"))?.revision).toBe(1);
        await repo.saveFlow({ namespace: "lost", id: "f", source: "y" });
        expect((await repo.getFlow("lost", "f"))?.revision).toBe(2);
      } finally {
        await admin.unsafe(`alter database "${name}" with allow_connections true`).catch(() => undefined);
        await admin.end();
        await repo.close();
      }
    }, 30_000);
  }

  it("migrates once when two servers start together on an empty database", async () => {
    const url = await fresh();
    const a = createPostgresRepository({ type: "postgres", url });
    const b = createPostgresRepository({ type: "postgres", url });
    await Promise.all([a.init(), b.init()]);
    await a.saveFlow({ namespace: "race", id: "f", source: "x" });
    expect((await b.getFlow("race", "f"))?.revision).toBe(1);
    await Promise.all([a.close(), b.close()]);
  });

  it("stores JSON columns as JSON, not as quoted strings", async () => {
    const url = await fresh();
    const repo = createPostgresRepository({ type: "postgres", url });
    await repo.init();
    const now = new Date().toISOString();
    await repo.saveExecution({ id: "e1", namespace: "n", flowId: "f", flowRevision: 1, state: { current: "RUNNING", histories: [], startDate: now }, labels: { a: "b" }, created: now, updated: now });
    const sql = postgres(url, { max: 1 });
    const [row] = await sql`select jsonb_typeof(labels) as kind, labels->>'a' as a from executions where id = 'e1'`;
    expect(row).toEqual({ kind: "object", a: "b" });
    await sql.end();
    await repo.close();
  });

  it("names the server it cannot reach", async () => {
    const repo = createPostgresRepository({ type: "postgres", url: "postgres://ferry:secret@127.0.0.1:1/none" });
    await expect(repo.init()).rejects.toThrow(/cannot connect to PostgreSQL at postgres:\/\/ferry:\*\*\*@127.0.0.1:1\/none/);
    await repo.close();
  });
});
