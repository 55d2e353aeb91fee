import { readdir, readFile, writeFile, mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import mysql from "mysql2/promise";
import { createMysqlTestDatabase, MYSQL_URL } from "../../repository-backends/mysql/src/test-database.test-support.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../repository-backends/postgres/src/test-database.test-support.js";
import { REPO_ROOT, runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const TOKEN = "tok-e5c1d2a9b7f34c60";

/** every file under dir, recursively */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe.skipIf(!POSTGRES_URL || !MYSQL_URL)("connections used by flows on a real ferry server local (HTTP API, PostgreSQL, MariaDB)", () => {
  let db: { url: string; drop(): Promise<void> };
  let shop: { url: string; drop(): Promise<void> };
  let ferry: FerryProcess;
  let api: Server;
  let apiUrl: string;
  let cwd: string;
  let pgPassword: string;
  const call = async (path: string, init: RequestInit = {}) => fetch(`${ferry.url}/api/v1${path}`, init);
  const putJson = (path: string, body: unknown) => call(path, { method: "PUT", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  const deploy = (flow: string) => call("/flows", { method: "POST", body: flow, headers: { "content-type": "application/x-yaml" } });
  const run = async (namespace: string, id: string) => (await (await call(`/executions/${namespace}/${id}?wait=true`, { method: "POST" })).json()) as any;
  const logsOf = async (executionId: string) => ((await (await call(`/logs/${executionId}`)).json()) as Array<{ message: string }>).map((l) => l.message);

  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    await sql.unsafe("create table orders (id int primary key, status text); insert into orders values (1, 'open'), (2, 'open'), (3, 'shipped')");
    await sql.end();
    shop = await createMysqlTestDatabase();
    const my = await mysql.createConnection({ uri: shop.url });
    await my.query("create table products (id int primary key, name varchar(40))");
    await my.query("insert into products values (1, 'kayak'), (2, 'paddle')");
    await my.end();
    // an API that answers who called it: the Authorization header comes back in the body
    api = createServer((req, res) => {
      res.writeHead(req.headers.authorization === `Bearer ${TOKEN}` ? 200 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify({ path: req.url, authorization: req.headers.authorization ?? null, team: req.headers["x-team"] ?? null }));
    });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", () => r()));
    apiUrl = `http://127.0.0.1:${(api.address() as { port: number }).port}/v1`;
    cwd = await mkdtemp(join(tmpdir(), "ferry-it-connections-"));
    await writeFile(
      join(cwd, "ferry.yaml"),
      `plugins: ["@ferry/plugin-core", "${join(REPO_ROOT, "examples/plugins/ferry-plugin-postgres")}", "${join(REPO_ROOT, "examples/plugins/ferry-plugin-mysql")}"]\nsecrets: { type: database, key: "${Buffer.alloc(32, 3).toString("base64")}" }\n`,
    );
    ferry = await startFerryProcess({ cwd });
    const url = new URL(db.url);
    pgPassword = decodeURIComponent(url.password) || "unused-password-x1";
    const shopUrl = new URL(shop.url);
    for (const [name, value] of [["API_TOKEN", TOKEN], ["PG_PASSWORD", pgPassword], ["SHOP_PASSWORD", decodeURIComponent(shopUrl.password)]]) {
      expect((await call(`/namespaces/company/secrets/${name}`, { method: "PUT", body: JSON.stringify({ value }), headers: { "content-type": "application/json" } })).status).toBe(200);
    }
    // defined once in the parent namespace; flows of company.team use them
    expect((await putJson("/namespaces/company/connections/api", { type: "http", values: { url: apiUrl, bearerToken: "{{ secret('API_TOKEN') }}", headers: { "x-team": "data" } } })).status).toBe(200);
    const main = { type: "postgres", values: { host: url.hostname, port: Number(url.port || 5432), database: url.pathname.slice(1), user: decodeURIComponent(url.username), password: "{{ secret('PG_PASSWORD') }}" } };
    expect((await putJson("/namespaces/company/connections/main_db", main)).status).toBe(200);
    const shopDb = { type: "mysql", values: { host: shopUrl.hostname, port: Number(shopUrl.port || 3306), database: shopUrl.pathname.slice(1), user: decodeURIComponent(shopUrl.username), password: "{{ secret('SHOP_PASSWORD') }}" } };
    expect((await putJson("/namespaces/company/connections/shop_db", shopDb)).status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await ferry?.stop();
    await db?.drop();
    await shop?.drop();
    await new Promise((r) => api?.close(r));
  });

  it("a flow of a child namespace queries PostgreSQL and calls the API on its parent's connections, secrets masked in outputs and logs", async () => {
    const flow = `id: uses
namespace: company.team
tasks:
  - id: orders
    type: postgres.Query
    connection: main_db
    sql: select count(*)::int as n from orders where status = $1
    parameters: [open]
    fetchType: FETCH_ONE
  - id: call
    type: core.http.Request
    connection: api
    uri: /orders/{{ outputs.orders.row.n }}
  - id: log
    type: core.Log
    message: "token {{ connection('api').bearerToken }} for {{ connection('main_db').user }} at {{ connection('api').url }}"
`;
    expect((await deploy(flow)).status).toBe(200);
    const ended = await run("company.team", "uses");
    expect(ended.state.current).toBe("SUCCESS");
    const out = (id: string) => ended.taskRunList.find((r: { taskId: string }) => r.taskId === id)?.outputs;
    expect(out("orders")).toEqual({ size: 1, row: { n: 2 } });
    expect(out("call")).toMatchObject({ uri: `${apiUrl}/orders/2`, code: 200 });
    expect(JSON.parse(out("call").body)).toEqual({ path: "/v1/orders/2", authorization: "Bearer ******", team: "data" });
    const logs = await logsOf(ended.id);
    expect(logs).toContain(`token ****** for ${new URL(db.url).username} at ${apiUrl}`);
    expect(JSON.stringify(ended)).not.toContain(TOKEN);
    expect(JSON.stringify(logs)).not.toContain(TOKEN);
  });

  it("a flow queries MariaDB on a mysql connection, and the type's test opens it", async () => {
    expect((await deploy(`id: shop
namespace: company.team
tasks:
  - id: products
    type: io.kestra.plugin.jdbc.mysql.Query
    connection: shop_db
    sql: select name from products where id > ? order by id
    parameters: [0]
    fetchType: FETCH
`)).status).toBe(200);
    const ended = await run("company.team", "shop");
    expect(ended.state.current).toBe("SUCCESS");
    expect(ended.taskRunList[0].outputs).toEqual({ size: 2, rows: [{ name: "kayak" }, { name: "paddle" }] });
    expect(await (await call("/namespaces/company.team/connections/shop_db/test", { method: "POST" })).json()).toEqual({ ok: true, durationMs: expect.any(Number) });
    // a postgres property refuses it at deploy, as it refuses an http one
    const refused = await deploy("id: wrong\nnamespace: company.team\ntasks:\n  - { id: q, type: postgres.Query, connection: shop_db, sql: select 1 }\n");
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { errors: Array<{ message: string }> }).errors[0]!.message).toBe("task 'q': connection shop_db (namespace company) is of type mysql; property connection takes a connection of type postgres");
  });

  it("keeps no secret value in the database, storage or API answers: the connection's references only", async () => {
    const files = await filesUnder(join(cwd, ".ferry"));
    expect(files.some((f) => f.endsWith("ferry.db"))).toBe(true);
    for (const file of files) {
      const bytes = await readFile(file);
      expect(bytes.includes(Buffer.from(TOKEN)), file).toBe(false);
    }
    const answers = await Promise.all(["/namespaces/company/connections", "/namespaces/company/connections/api", "/namespaces/company.team/connections/main_db"].map(async (p) => (await call(p)).text()));
    for (const answer of answers) expect(answer).not.toContain(TOKEN);
    expect(JSON.parse(answers[2]!)).toMatchObject({ namespace: "company", values: { password: "******" } });
  });

  it("refuses at deploy (422, path and line) a connection whose type does not fit the property", async () => {
    const response = await deploy(`id: mismatch
namespace: company.team
tasks:
  - id: q
    type: postgres.Query
    connection: api
    sql: select 1
`);
    expect(response.status).toBe(422);
    const body = (await response.json()) as { errors: Array<{ path: string; line: number; message: string }> };
    expect(body.errors).toEqual([
      { path: "tasks[0].connection", line: 6, message: "task 'q': connection api (namespace company) is of type http; property connection takes a connection of type postgres" },
    ]);
  });

  it("checks again at run time: a connection missing at deploy, then of the wrong type, or whose secret went, fails the task naming it", async () => {
    const flow = `id: later
namespace: company.team
tasks:
  - id: q
    type: postgres.Query
    connection: later_db
    sql: select 1
`;
    expect((await deploy(flow)).status).toBe(200);
    const missing = await run("company.team", "later");
    expect(missing.state.current).toBe("FAILED");
    expect(await logsOf(missing.id)).toContain("task 'q': property connection: connection later_db not found in namespace company.team or its parents");
    expect((await putJson("/namespaces/company.team/connections/later_db", { type: "http", values: { url: apiUrl } })).status).toBe(200);
    const wrongType = await run("company.team", "later");
    expect(await logsOf(wrongType.id)).toContain("task 'q': property connection: connection later_db (namespace company.team) is of type http, not postgres");
    // the secret goes after the connection was saved: the run names it and its namespace
    expect((await call("/namespaces/company/secrets/SPARE", { method: "PUT", body: JSON.stringify({ value: "spare-value" }), headers: { "content-type": "application/json" } })).status).toBe(200);
    const url = new URL(db.url);
    const spare = { type: "postgres", values: { host: url.hostname, database: url.pathname.slice(1), user: decodeURIComponent(url.username), password: "{{ secret('SPARE') }}" } };
    expect((await putJson("/namespaces/company.team/connections/later_db", spare)).status).toBe(200);
    expect((await call("/namespaces/company/secrets/SPARE", { method: "DELETE" })).status).toBe(204);
    const secretGone = await run("company.team", "later");
    expect(secretGone.state.current).toBe("FAILED");
    expect(await logsOf(secretGone.id)).toContain("task 'q': property connection: connection later_db of namespace company.team: secret SPARE not found in namespace company.team");
  });

  it("tests a connection through the API with its type's test()", async () => {
    expect(await (await call("/namespaces/company.team/connections/main_db/test", { method: "POST" })).json()).toEqual({ ok: true, durationMs: expect.any(Number) });
    expect(await (await call("/namespaces/company/connections/api/test", { method: "POST" })).json()).toEqual({ ok: true, durationMs: expect.any(Number) });
  });

  it("ferry connection set, get, list, test and delete", async () => {
    const cli = (...args: string[]) => runCli([...args, "--server", ferry.url]);
    // the secret lives in company: a namespace outside it cannot refer to it
    expect(await cli("connection", "set", "cli.conn", "web", "--type", "http", "--value", `url=${apiUrl}`, "--value", "bearerToken={{ secret('API_TOKEN') }}")).toMatchObject({
      code: 1, stderr: expect.stringContaining("values.bearerToken: secret API_TOKEN not found in namespace cli.conn"),
    });
    const set = await cli("connection", "set", "company.cli", "web", "--type", "http", "--value", `url=${apiUrl}`, "--value", "bearerToken={{ secret('API_TOKEN') }}", "-d", "the API");
    expect(set).toMatchObject({ code: 0, stdout: "web (http) saved in namespace company.cli\n", stderr: "" });
    expect((await cli("connection", "set", "company.cli", "web", "--type", "http", "--value", `url=${apiUrl}`, "--value", "bearerToken={{ secret('API_TOKEN') }}", "-d", "the API")).stdout).toBe("web (http) unchanged in namespace company.cli\n");
    const got = JSON.parse((await cli("connection", "get", "company.cli.sub", "web")).stdout);
    expect(got).toMatchObject({ namespace: "company.cli", id: "web", type: "http", values: { url: apiUrl, bearerToken: "******" } });
    expect((await cli("connection", "list", "company.cli")).stdout).toBe("web\thttp\tthe API\n");
    expect((await cli("connection", "test", "company.cli", "web")).stdout).toMatch(/^connection web ok \(\d+ ms\)\n$/);
    expect((await cli("connection", "set", "company.cli", "bad", "--type", "http", "--value", "url=x"))).toMatchObject({ code: 1, stderr: expect.stringContaining("HTTP 422: connection bad (http): values.url: Invalid URL") });
    expect((await cli("connection", "set", "company.cli", "nope", "--type", "ftp", "--value", "url=x"))).toMatchObject({ code: 1, stderr: expect.stringContaining("unknown connection type 'ftp'") });
    expect((await cli("connection", "set", "company.cli", "web2", "--type", "http", "--value", "url"))).toMatchObject({ code: 2, stderr: expect.stringContaining("--value url: expected field=value") });
    expect((await cli("connection", "set", "company.cli", "unauth", "--type", "http", "--value", `url=${apiUrl}`)).code).toBe(0);
    expect(await cli("connection", "test", "company.cli", "unauth")).toMatchObject({ code: 1, stderr: expect.stringContaining(`connection unauth failed its test: GET ${apiUrl} answered HTTP 401`) });
    expect((await cli("connection", "delete", "company.cli", "unauth")).stdout).toBe("unauth deleted from namespace company.cli\n");
    expect((await cli("connection", "delete", "company.cli", "unauth")).stdout).toBe("no connection unauth in namespace company.cli\n");
    // each call starts a node process: a dozen of them on a loaded machine
  }, 180_000);

  it("ferry connection deploy sets a namespace's connections from a file kept in git, leaves unchanged ones, dry-runs and prunes", async () => {
    const cli = (...args: string[]) => runCli([...args, "--server", ferry.url]);
    const folder = await mkdtemp(join(tmpdir(), "ferry-conndeploy-"));
    const file = join(folder, "connections.yaml");
    const url = new URL(db.url);
    const pg = (database: string) => `{ type: postgres, values: { host: ${url.hostname}, port: ${url.port || 5432}, database: ${database}, user: ${decodeURIComponent(url.username)}, password: "{{ secret('PG_PASSWORD') }}" } }`;
    await writeFile(file, `reports: ${pg(url.pathname.slice(1))}\nweb: { type: http, values: { url: "${apiUrl}", bearerToken: "{{ secret('API_TOKEN') }}" }, description: the API }\nold: { type: http, values: { url: "${apiUrl}" } }\n`);
    expect((await cli("connection", "deploy", file, "-n", "company.deploy")).stdout).toContain("3 set, 0 unchanged, 0 deleted");
    expect((await cli("connection", "deploy", file, "-n", "company.deploy")).stdout).toContain("0 set, 3 unchanged, 0 deleted");
    await writeFile(file, `reports: ${pg(url.pathname.slice(1))}\nweb: { type: http, values: { url: "${apiUrl}/other", bearerToken: "{{ secret('API_TOKEN') }}" }, description: the API }\n`);
    expect((await cli("connection", "deploy", file, "-n", "company.deploy", "--prune", "--dry-run")).stdout).toContain("1 would be set, 1 unchanged, 1 would be deleted (dry run: nothing changed)");
    expect((await (await call("/namespaces/company.deploy/connections/web")).json()) as { values: { url: string } }).toMatchObject({ values: { url: apiUrl } });
    expect((await cli("connection", "deploy", file, "-n", "company.deploy", "--prune")).stdout).toContain("1 set, 1 unchanged, 1 deleted");
    expect((await (await call("/namespaces/company.deploy/connections/web")).json()) as { values: { url: string } }).toMatchObject({ values: { url: `${apiUrl}/other` } });
    expect((await call("/namespaces/company.deploy/connections/old")).status).toBe(404);
    expect((await cli("connection", "test", "company.deploy", "reports")).code).toBe(0);
    await writeFile(file, "web: { type: http, values: { url: nope } }\n");
    expect(await cli("connection", "deploy", file, "-n", "company.deploy")).toMatchObject({ code: 1, stderr: expect.stringContaining("values.url: Invalid URL") });
    expect(await cli("connection", "deploy", join(folder, "missing.yaml"), "-n", "company.deploy")).toMatchObject({ code: 2, stderr: expect.stringContaining("no such file") });
  }, 180_000);
});
