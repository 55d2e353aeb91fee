import { runTask } from "@ferry/testkit";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mysqlConnectionType } from "./mysql.connection.js";
import { queryTask } from "./query.task.js";

// a real MySQL or MariaDB: the machine's, through the test URL every Ferry test reads
const URL = process.env.FERRY_TEST_MYSQL_URL;
if (!URL) console.warn("\n*** SKIPPING the mysql.Query example plugin's tests: set FERRY_TEST_MYSQL_URL ***\n");

describe.skipIf(!URL)("mysql.Query on a mysql connection (example plugin)", () => {
  const table = `ferry_example_${Date.now().toString(36)}`;
  let admin: mysql.Connection;
  /** the test database as a connection's values, its password kept as a secret reference */
  const fields = () => {
    const url = new globalThis.URL(URL!);
    return { host: url.hostname, port: Number(url.port || 3306), database: url.pathname.slice(1), user: decodeURIComponent(url.username), password: "{{ secret('DB_PASSWORD') }}" };
  };
  const password = () => decodeURIComponent(new globalThis.URL(URL!).password);
  const options = () => ({ secrets: { DB_PASSWORD: password() }, connections: { shop_db: { type: "mysql", values: fields() } }, connectionTypes: [mysqlConnectionType] });
  beforeAll(async () => {
    admin = await mysql.createConnection(URL!);
    await admin.query(`create table ${table} (id int primary key, status varchar(20))`);
    await admin.query(`insert into ${table} values (1, 'open'), (2, 'open'), (3, 'closed')`);
  });
  afterAll(async () => {
    await admin?.query(`drop table if exists ${table}`);
    await admin?.end();
  });

  it("fetches rows, one row, stores them, or counts what a statement touched, with ? parameters", async () => {
    const all = await runTask(queryTask, { connection: "shop_db", sql: `select id from ${table} where status = ? order by id`, parameters: ["{{ inputs.status }}"], fetchType: "FETCH" }, { ...options(), inputs: { status: "open" } });
    expect(all.outputs).toEqual({ size: 2, rows: [{ id: 1 }, { id: 2 }] });
    expect(all.logs).toEqual([{ level: "INFO", message: "2 row(s) (FETCH)" }]);
    const one = await runTask(queryTask, { connection: "shop_db", sql: `select count(*) as n from ${table}`, fetchType: "FETCH_ONE" }, options());
    expect(one.outputs).toEqual({ size: 1, row: { n: 3 } });
    const stored = await runTask(queryTask, { connection: "shop_db", sql: `select id, status from ${table} where id < ? order by id`, parameters: [3], fetchType: "STORE" }, options());
    expect(new TextDecoder().decode(stored.files[stored.outputs!.uri as string])).toBe('{"id":1,"status":"open"}\n{"id":2,"status":"open"}');
    const updated = await runTask(queryTask, { connection: "shop_db", sql: `update ${table} set status = 'open' where id = ?`, parameters: [3] }, options());
    expect(updated.outputs).toEqual({ size: 1 });
  });

  it("fails with the server's own message on bad SQL, and refuses a connection of another type", async () => {
    await expect(runTask(queryTask, { connection: "shop_db", sql: `select nope from ${table}` }, options())).rejects.toThrow(/mysql.Query: Unknown column 'nope'/);
    const other = { ...options(), connections: { api: { type: "http", values: {} } } };
    await expect(runTask(queryTask, { connection: "api", sql: "select 1" }, other)).rejects.toThrow("connection api (namespace test) is of type http, not mysql");
    expect(queryTask.properties.safeParse({ sql: "select 1" }).success).toBe(false);
  });

  it("tests a connection: opens with the right values, names the host and the server's refusal otherwise", async () => {
    const values = mysqlConnectionType.schema.parse({ ...fields(), password: password() });
    await expect(mysqlConnectionType.test!(values, { signal: AbortSignal.timeout(10_000) })).resolves.toBeUndefined();
    const wrong = mysqlConnectionType.schema.parse({ ...fields(), password: "wrong-password-5521" });
    await expect(mysqlConnectionType.test!(wrong, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow(
      new RegExp(`^MySQL at ${values.host}:${values.port}/${values.database} as ${values.user}: Access denied`),
    );
  });
});
