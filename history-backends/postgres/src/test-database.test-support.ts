import postgres from "postgres";
import { PostgresHistoryStore } from "./postgres.history.js";

export const POSTGRES_URL = process.env.FERRY_TEST_POSTGRES_URL;
if (!POSTGRES_URL) console.warn("\n*** SKIPPING PostgreSQL history tests: set FERRY_TEST_POSTGRES_URL (for example postgres://postgres@127.0.0.1:5432/test) ***\n");

/** a fresh database on the test server (its own, random name), dropped by `drop()` */
export async function createHistoryTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(POSTGRES_URL!, { max: 1, onnotice: () => undefined });
  const name = `ferry_history_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(POSTGRES_URL!);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

/** a store on a fresh database (initialised); `drop()` closes it and drops the database */
export async function createPostgresHistoryTestStore(): Promise<{ store: PostgresHistoryStore; url: string; drop(): Promise<void> }> {
  const database = await createHistoryTestDatabase();
  const store = new PostgresHistoryStore({ url: database.url, poolSize: 3 });
  await store.init();
  return {
    store,
    url: database.url,
    drop: async () => {
      await store.close();
      await database.drop();
    },
  };
}
