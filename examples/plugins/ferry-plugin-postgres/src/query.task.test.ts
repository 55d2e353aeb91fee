import { runTask } from "@ferry/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queryTask } from "./query.task.js";

// a real PostgreSQL: the machine's, through the test URL every Ferry test reads
const URL = process.env.FERRY_TEST_POSTGRES_URL;
if (!URL) console.warn("\n*** SKIPPING the postgres.Query example plugin's tests: set FERRY_TEST_POSTGRES_URL ***\n");

describe.skipIf(!URL)("postgres.Query (example plugin)", () => {
  const table = `ferry_example_${Date.now().toString(36)}`;
  let admin: postgres.Sql;
  beforeAll(async () => {
    admin = postgres(URL!, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`create table ${table} (id int primary key, status text)`);
    await admin.unsafe(`insert into ${table} values (1, 'open'), (2, 'open'), (3, 'closed')`);
  });
  afterAll(async () => {
    await admin?.unsafe(`drop table if exists ${table}`);
    await admin?.end();
  });

  it("fetches rows, one row, or stores them, with parameters and the URL from a secret", async () => {
    const base = { url: "{{ secret('PG_URL') }}", parameters: ["{{ inputs.status }}"] };
    const options = { secrets: { PG_URL: URL! }, inputs: { status: "open" } };
    const all = await runTask(queryTask, { ...base, sql: `select id from ${table} where status = $1 order by id`, fetchType: "FETCH" }, options);
    expect(all.outputs).toEqual({ size: 2, rows: [{ id: 1 }, { id: 2 }] });
    const one = await runTask(queryTask, { ...base, sql: `select count(*)::int as n from ${table} where status = $1`, fetchType: "FETCH_ONE" }, options);
    expect(one.outputs).toEqual({ size: 1, row: { n: 2 } });
    const stored = await runTask(queryTask, { ...base, sql: `select id, status from ${table} where status = $1 order by id`, fetchType: "STORE" }, options);
    expect(new TextDecoder().decode(stored.files[stored.outputs!.uri as string])).toBe('{"id":1,"status":"open"}\n{"id":2,"status":"open"}');
    expect(all.logs).toEqual([{ level: "INFO", message: "2 row(s) (FETCH)" }]);
  });

  it("fails with PostgreSQL's own message on bad SQL", async () => {
    await expect(runTask(queryTask, { url: URL!, sql: `select nope from ${table}` })).rejects.toThrow(/column "nope" does not exist/);
  });
});
