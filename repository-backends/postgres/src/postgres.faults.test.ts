import { writeGroupFaultCases } from "@ferry/testkit";
import postgres from "postgres";
import { afterAll, describe, it } from "vitest";
import { createPostgresRepository } from "./postgres.repository.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "./test-database.test-support.js";

const databases: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});

/** a second connection holding the execution's row in a transaction left open; `release` (once) ends it */
async function lockRow(url: string, executionId: string) {
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
  let released: Promise<void> | undefined;
  return { release: () => (released ??= (async () => (unlock(), await transaction, await holder.end()))()) };
}

/** once a backend of this database waits on a lock (the group's connection): `act` on it from another connection */
async function onWaiter(url: string, act: "terminate" | "find"): Promise<void> {
  const admin = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    for (let i = 0; i < 500; i++) {
      const rows = await admin.unsafe(`select ${act === "terminate" ? "pg_terminate_backend(pid)" : "pid"} from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()`);
      if (rows.length) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error("no backend waited on the lock");
  } finally {
    await admin.end();
  }
}

describe.skipIf(!POSTGRES_URL)("postgres repository: a group commit's connection failing under it", () => {
  writeGroupFaultCases(it, {
    fresh: async () => {
      const db = await createPostgresTestDatabase();
      databases.push(db);
      return db.url;
    },
    create: (url, poolSize) => createPostgresRepository({ type: "postgres", url, poolSize }),
    async killWaiterOn(url, executionId) {
      const { release } = await lockRow(url, executionId);
      return { killed: onWaiter(url, "terminate"), release };
    },
    async holdLock(url, executionId) {
      const { release } = await lockRow(url, executionId);
      return { waiting: onWaiter(url, "find"), release };
    },
  });
});
