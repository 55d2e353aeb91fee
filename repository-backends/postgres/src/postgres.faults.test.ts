import { writeGroupFaultCases } from "@ferry/testkit";
import postgres from "postgres";
import { afterAll, describe, it } from "vitest";
import { createPostgresRepository } from "./postgres.repository.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "./test-database.test-support.js";

const databases: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});

describe.skipIf(!POSTGRES_URL)("postgres repository: a group commit's connection failing under it", () => {
  writeGroupFaultCases(it, {
    fresh: async () => {
      const db = await createPostgresTestDatabase();
      databases.push(db);
      return db.url;
    },
    create: (url, poolSize) => createPostgresRepository({ type: "postgres", url, poolSize }),
    async killWaiterOn(url, executionId) {
      const holder = postgres(url, { max: 1, onnotice: () => undefined });
      let unlock!: () => void;
      const unlocked = new Promise<void>((r) => (unlock = r));
      let locked!: () => void;
      const isLocked = new Promise<void>((r) => (locked = r));
      // the lock's transaction stays open until release()
      const transaction = holder.begin(async (tx) => {
        await tx`select "id" from "executions" where "id" = ${executionId} for update`;
        locked();
        await unlocked;
      });
      await isLocked;
      const admin = postgres(url, { max: 1, onnotice: () => undefined });
      const killed = (async () => {
        try {
          for (let i = 0; i < 500; i++) {
            // a backend of this database waiting on a lock: the group's connection
            const rows = await admin`select pg_terminate_backend(pid) as killed from pg_stat_activity
              where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`;
            if (rows.length) return;
            await new Promise((r) => setTimeout(r, 20));
          }
          throw new Error("no backend waited on the lock");
        } finally {
          await admin.end();
        }
      })();
      return { killed, release: async () => (unlock(), await transaction, await holder.end()) };
    },
  });
});
