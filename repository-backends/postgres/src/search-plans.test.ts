import type { ExecutionSearch, PageRequest } from "@ferry/sdk";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresRepository } from "./postgres.repository.js";
import * as schema from "./schema.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "./test-database.test-support.js";

/**
 * The plans of the executions searches (migration 0014: each search index ends with `kind`,
 * executions_created with the namespace too): a search's bounded count reads its index alone
 * (an index-only scan: `kind IS NULL` and the namespace are checked on the entries), the page
 * walks the same index, and a page by offset finds its ids in the index before reading rows.
 * Before 0014 the counts read the executions' rows (a namespace's: a sequential scan).
 */
const N = 20_000;
let database: { url: string; drop(): Promise<void> } | undefined;
let client: postgres.Sql | undefined;
let repo: ReturnType<typeof createPostgresRepository> | undefined;

beforeAll(async () => {
  if (!POSTGRES_URL) return;
  database = await createPostgresTestDatabase();
  repo = createPostgresRepository({ type: "postgres", url: database.url });
  await repo.init();
  client = postgres(database.url, { max: 2, onnotice: () => undefined });
  // as bench/history-seed.js: 20 namespaces, 200 flows, 7 % FAILED; every 7th a Loop's iteration of one of 10 parents;
  // rows of a real execution's size (~700 bytes: its state history), which is what makes reading them dear
  await client.unsafe(`insert into executions (id, namespace, flow_id, flow_revision, state, state_record, labels, created, updated, version, kind, parent_id)
    select 'e' || lpad(i::text, 6, '0'), 'company.team' || (i % 200 % 20), 'flow' || (i % 200), 1,
      case when i % 100 < 93 then 'SUCCESS' else 'FAILED' end, jsonb_build_object('histories', repeat('x', 600)), jsonb_build_object('env', 'prod'),
      to_char(timestamp '2026-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      to_char(timestamp '2026-01-01' + i * interval '1 minute', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 1,
      case when i % 7 = 0 then 'LOOP' end, case when i % 7 = 0 then 'p' || (i % 10) end
    from generate_series(1, ${N}) as i`);
  // the visibility map an index-only scan needs, as autovacuum leaves it
  await client.unsafe("vacuum (analyze) executions");
}, 60_000);

afterAll(async () => {
  await repo?.close();
  await client?.end();
  await database?.drop();
});

/** the statements one search sends, captured by a logger on the repository's own database (as bench/history-scale.js does), each with its plan */
async function plansOf(query: ExecutionSearch & PageRequest): Promise<{ count: string; page: string }> {
  const sent: Array<{ query: string; params: unknown[] }> = [];
  const holder = repo as unknown as { database: unknown };
  const own = holder.database;
  holder.database = drizzle(client!, { schema, logger: { logQuery: (q, params) => sent.push({ query: q, params }) } });
  try {
    await repo!.searchExecutions(query);
  } finally {
    holder.database = own;
  }
  const plan = async (statement: { query: string; params: unknown[] }) =>
    ((await client!.unsafe(`explain ${statement.query}`, statement.params as never[])) as Array<Record<string, string>>).map((r) => r["QUERY PLAN"]).join("\n");
  return {
    count: await plan(sent.find((s) => /^select count\(\*\)/i.test(s.query))!),
    page: await plan(sent.find((s) => /order by/i.test(s.query) && !/^select count/i.test(s.query))!),
  };
}

const page = { page: 1, size: 25, countUpTo: 1_000 };

describe.skipIf(!POSTGRES_URL)("postgres: executions searches read their index (migration 0014)", () => {
  it("by flow: executions_flow_created, the count index-only", async () => {
    const plans = await plansOf({ ...page, namespace: "company.team3", flowId: "flow23" });
    expect(plans.count).toMatch(/Index Only Scan using executions_flow_created/);
    expect(plans.count).toMatch(/Index Cond: .*kind IS NULL/);
    expect(plans.page).toMatch(/executions_flow_created/);
    expect(plans.page).not.toMatch(/Seq Scan/);
  });

  it("by state: executions_state_created walked newest first, the count index-only", async () => {
    const plans = await plansOf({ ...page, state: ["FAILED"] });
    expect(plans.count).toMatch(/Index Only Scan using executions_state_created/);
    expect(plans.page).toMatch(/Index Scan Backward using executions_state_created/);
    expect(plans.page).not.toMatch(/Sort|Seq Scan/);
  });

  it("by namespace and its children: executions_created, its ids and count from the index alone", async () => {
    const plans = await plansOf({ ...page, namespace: "company.team3" });
    expect(plans.count).toMatch(/Index Only Scan using executions_created/);
    expect(plans.count).not.toMatch(/Seq Scan/);
    expect(plans.page).toMatch(/Index Only Scan Backward using executions_created/);
  });

  it("unfiltered, a page by offset: the skipped rows' ids from executions_created alone", async () => {
    const plans = await plansOf({ ...page, page: 40 });
    expect(plans.count).toMatch(/Index Only Scan/);
    expect(plans.page).toMatch(/Index Only Scan Backward using executions_created/);
    expect(plans.page).not.toMatch(/Seq Scan/);
  });

  it("a parent's Loop iterations: executions_parent_created, the count index-only", async () => {
    const plans = await plansOf({ ...page, parentId: "p3", kind: "LOOP" });
    expect(plans.count).toMatch(/Index Only Scan using executions_parent_created/);
    expect(plans.count).toMatch(/kind = 'LOOP'/);
    expect(plans.page).toMatch(/executions_parent_created/);
    expect(plans.page).not.toMatch(/Seq Scan/);
  });

  it("the searches still answer: newest first, Loop iterations apart, pages by offset continuing the first", async () => {
    const first = await repo!.searchExecutions({ ...page, namespace: "company.team3", size: 10 });
    const second = await repo!.searchExecutions({ ...page, namespace: "company.team3", size: 10, page: 2 });
    const ids = [...first.results, ...second.results].map((e) => e.id);
    // company.team3: i % 200 % 20 = 3, newest (largest i) first, no i % 7 = 0
    const expected = Array.from({ length: N }, (_, k) => N - k).filter((i) => (i % 200) % 20 === 3 && i % 7 !== 0).map((i) => `e${String(i).padStart(6, "0")}`);
    expect(ids).toEqual(expected.slice(0, 20));
    expect([first.total, first.totalEstimated ?? false]).toEqual([expected.length, false]);
  });

  it("migration 0014 keeps the four indexes an operator built beforehand with CREATE INDEX CONCURRENTLY under their temporary names (README), and only drops and renames", async () => {
    const other = await createPostgresTestDatabase();
    const sql = postgres(other.url, { max: 1, onnotice: () => undefined });
    try {
      await migrateUpTo(other.url, 13);
      // as README.md says, while the old server runs (no transaction: CONCURRENTLY refuses one)
      for (const statement of PREBUILT) await sql.unsafe(statement);
      const repository = createPostgresRepository({ type: "postgres", url: other.url });
      await repository.init();
      await repository.close();
      const indexes = await sql.unsafe(`select indexname, indexdef from pg_indexes where tablename = 'executions' and indexname like 'executions\\_%created%' order by indexname`);
      expect(indexes.map((r) => [r.indexname, String(r.indexdef).replace(/^.* USING btree /, "")])).toEqual([
        ["executions_created", "(created, id, kind, namespace)"],
        ["executions_flow_created", "(namespace, flow_id, created, id, kind)"],
        ["executions_parent_created", "(parent_id, created, id, kind)"],
        ["executions_state_created", "(state, created, id, kind)"],
      ]);
    } finally {
      await sql.end();
      await other.drop();
    }
  }, 60_000);

  it("migration 0014 builds again an index prebuilt wrong under a temporary name: invalid (a CONCURRENTLY build that failed), unique, or of other columns", async () => {
    const other = await createPostgresTestDatabase();
    const sql = postgres(other.url, { max: 1, onnotice: () => undefined });
    try {
      await migrateUpTo(other.url, 13);
      // two rows of one state and time: a unique build on (state, created) fails half-way and leaves an invalid index
      const row = (id: string) => `insert into executions (id, namespace, flow_id, flow_revision, state, state_record, labels, created, updated, version) values ('${id}', 'n', 'f', 1, 'SUCCESS', '{}', '{}', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 1)`;
      await sql.unsafe(row("x1"));
      await sql.unsafe(row("x2"));
      await expect(sql.unsafe('create unique index concurrently "executions_state_created_kind" on "executions" ("state", "created")')).rejects.toThrow();
      await sql.unsafe('create unique index concurrently "executions_created_kind" on "executions" ("created", "id", "kind", "namespace")');
      await sql.unsafe('create index concurrently "executions_parent_created_kind" on "executions" ("parent_id")');
      await sql.unsafe(PREBUILT[0]);
      const repository = createPostgresRepository({ type: "postgres", url: other.url });
      await repository.init();
      await repository.close();
      // before: each kept as it was, the migration recorded done, nothing to repair them
      const indexes = await sql.unsafe(`select c.relname as name, i.indisvalid as valid, pg_get_indexdef(i.indexrelid) as def from pg_index i join pg_class c on c.oid = i.indexrelid
        where i.indrelid = 'executions'::regclass and c.relname like 'executions\\_%created%' order by c.relname`);
      expect(indexes.map((r) => [r.name, r.valid, String(r.def).replace(/^CREATE INDEX \S+ ON \S+ USING btree /, "")])).toEqual([
        ["executions_created", true, "(created, id, kind, namespace)"],
        ["executions_flow_created", true, "(namespace, flow_id, created, id, kind)"],
        ["executions_parent_created", true, "(parent_id, created, id, kind)"],
        ["executions_state_created", true, "(state, created, id, kind)"],
      ]);
    } finally {
      await sql.end();
      await other.drop();
    }
  }, 60_000);
});

const PREBUILT = [
  'create index concurrently "executions_flow_created_kind" on "executions" ("namespace", "flow_id", "created", "id", "kind")',
  'create index concurrently "executions_state_created_kind" on "executions" ("state", "created", "id", "kind")',
  'create index concurrently "executions_created_kind" on "executions" ("created", "id", "kind", "namespace")',
  'create index concurrently "executions_parent_created_kind" on "executions" ("parent_id", "created", "id", "kind")',
];

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), "../drizzle");

/** the schema as migrations 0000–`last` made it (what a server of that time left): the migrations folder without the later ones */
async function migrateUpTo(url: string, last: number): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), "ferry-postgres-migrations-"));
  const sql = postgres(url, { max: 1, onnotice: () => undefined });
  try {
    await cp(MIGRATIONS, folder, { recursive: true });
    const journal = JSON.parse(await readFile(join(folder, "meta/_journal.json"), "utf8")) as { entries: Array<{ idx: number }> };
    journal.entries = journal.entries.filter((e) => e.idx <= last);
    await writeFile(join(folder, "meta/_journal.json"), JSON.stringify(journal));
    await migrate(drizzle(sql, { schema }), { migrationsFolder: folder });
  } finally {
    await sql.end();
    await rm(folder, { recursive: true, force: true });
  }
}
