import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../repository-backends/postgres/src/test-database.test-support.js";
import { REPO_ROOT, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

describe.skipIf(!POSTGRES_URL)("the example plugin (postgres.Query), loaded from its folder by a real ferry server local", () => {
  let db: { url: string; drop(): Promise<void> };
  let ferry: FerryProcess;
  beforeAll(async () => {
    db = await createPostgresTestDatabase();
    const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
    await sql.unsafe("create table orders (id int primary key, status text); insert into orders values (1, 'open'), (2, 'open'), (3, 'shipped')");
    await sql.end();
    const cwd = await mkdtemp(join(tmpdir(), "ferry-it-example-plugin-"));
    await writeFile(join(cwd, "ferry.yaml"), `plugins: ["@ferry/plugin-core", "${join(REPO_ROOT, "examples/plugins/ferry-plugin-postgres")}"]\n`);
    ferry = await startFerryProcess({ cwd, env: { SECRET_ORDERS_DB_URL: Buffer.from(db.url).toString("base64") } });
  }, 60_000);
  afterAll(async () => {
    await ferry?.stop();
    await db?.drop();
  });

  it("runs a flow with the plugin's task against a real PostgreSQL", async () => {
    const flow = `id: count-orders
namespace: it.example
tasks:
  - id: count
    type: io.kestra.plugin.jdbc.postgresql.Query
    url: "{{ secret('ORDERS_DB_URL') }}"
    sql: select count(*)::int as n from orders where status = $1
    parameters: [open]
    fetchType: FETCH_ONE
outputs:
  - { id: open, type: INT, value: "{{ outputs.count.row.n }}" }
`;
    expect((await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", body: flow, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
    const ended = (await (await fetch(`${ferry.url}/api/v1/executions/it.example/count-orders?wait=true`, { method: "POST" })).json()) as { state: { current: string }; outputs: unknown };
    expect(ended.state.current).toBe("SUCCESS");
    expect(ended.outputs).toEqual({ open: 2 });
    const plugins = (await (await fetch(`${ferry.url}/api/v1/plugins`)).json()) as Array<{ name: string }>;
    expect(plugins.map((p) => p.name)).toEqual(["@ferry/plugin-core", "ferry-plugin-postgres"]);
  });
});
