import { runTask } from "@ferry/testkit";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresConnectionType } from "./postgres.connection.js";
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

  /** the test database as a connection's values, its password kept as a secret reference */
  const fields = () => {
    const url = new globalThis.URL(URL!);
    return { host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1), user: decodeURIComponent(url.username), password: "{{ secret('PG_PASSWORD') }}" };
  };
  const password = () => decodeURIComponent(new globalThis.URL(URL!).password);

  it("runs on a postgres connection: its password resolved from a secret, never in logs or outputs", async () => {
    const options = { secrets: { PG_PASSWORD: password() }, connections: { main_db: { type: "postgres", values: fields() } }, connectionTypes: [postgresConnectionType] };
    const result = await runTask(queryTask, { connection: "main_db", sql: `select id, status from ${table} where id = $1`, parameters: [3], fetchType: "FETCH_ONE" }, options);
    expect(result.outputs).toEqual({ size: 1, row: { id: 3, status: "closed" } });
    // connection() reaches the same values in any property
    const viaFunction = await runTask(queryTask, { connection: "main_db", sql: "select $1::text as host", parameters: ["{{ connection('main_db').host }}"], fetchType: "FETCH_ONE" }, options);
    expect(viaFunction.outputs).toEqual({ size: 1, row: { host: fields().host } });
  });

  it("refuses a connection of another type, and neither or both of connection and url", async () => {
    const options = { secrets: { PG_PASSWORD: password() }, connections: { api: { type: "http", values: {} } }, connectionTypes: [postgresConnectionType] };
    await expect(runTask(queryTask, { connection: "api", sql: "select 1" }, options)).rejects.toThrow("connection api (namespace test) is of type http, not postgres");
    await expect(runTask(queryTask, { sql: "select 1" })).rejects.toThrow("give either connection or url");
    await expect(runTask(queryTask, { sql: "select 1", url: URL!, connection: "api" }, options)).rejects.toThrow("give either connection or url");
  });

  it("tests a connection: opens with the right values, names the host and PostgreSQL's refusal otherwise", async () => {
    const values = postgresConnectionType.schema.parse({ ...fields(), password: password() });
    await expect(postgresConnectionType.test!(values, { signal: AbortSignal.timeout(10_000) })).resolves.toBeUndefined();
    // (the test server trusts local connections whatever their password: a missing database is what it refuses)
    const wrong = postgresConnectionType.schema.parse({ ...fields(), password: password(), database: "no_such_database_ferry" });
    await expect(postgresConnectionType.test!(wrong, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow(
      `PostgreSQL at ${values.host}:${values.port}/no_such_database_ferry as ${values.user}: database "no_such_database_ferry" does not exist`,
    );
  });
});
