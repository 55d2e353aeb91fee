import { uniqueDatabaseName } from "@ferry/repository-sql";
import postgres from "postgres";

export const POSTGRES_URL = process.env.FERRY_TEST_POSTGRES_URL;
if (!POSTGRES_URL) console.warn("\n*** SKIPPING PostgreSQL tests: set FERRY_TEST_POSTGRES_URL (for example postgres://postgres@127.0.0.1:5432/test) ***\n");

/** a fresh database on the test server, dropped by `drop()` */
export async function createPostgresTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(POSTGRES_URL!, { max: 1, onnotice: () => undefined });
  const name = uniqueDatabaseName();
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
