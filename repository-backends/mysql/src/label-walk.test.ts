import { drizzle } from "drizzle-orm/mysql2";
import { migrate } from "drizzle-orm/mysql2/migrator";
import mysql from "mysql2/promise";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createMysqlRepository } from "./mysql.repository.js";
import * as schema from "./schema.js";
import { createMysqlTestDatabase, MYSQL_URL } from "./test-database.test-support.js";

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), "../drizzle");
const databases: Array<{ drop(): Promise<void> }> = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
});
const fresh = async () => {
  const db = await createMysqlTestDatabase();
  databases.push(db);
  return db.url;
};

/** the schema as migrations 0000–`last` made it (what a server of that time left): the migrations folder without the later ones */
async function migrateUpTo(url: string, last: number): Promise<void> {
  const folder = await mkdtemp(join(tmpdir(), "ferry-mysql-migrations-"));
  try {
    await cp(MIGRATIONS, folder, { recursive: true });
    const journal = JSON.parse(await readFile(join(folder, "meta/_journal.json"), "utf8")) as { entries: Array<{ idx: number }> };
    journal.entries = journal.entries.filter((e) => e.idx <= last);
    await writeFile(join(folder, "meta/_journal.json"), JSON.stringify(journal));
    const pool = mysql.createPool({ uri: url, connectionLimit: 1 });
    try {
      await migrate(drizzle(pool, { schema, mode: "default" }), { migrationsFolder: folder });
    } finally {
      await pool.end();
    }
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** `n` executions (i = 1…n) as the seed's: created in i's order, label batch b{i % 10}, every 7th a Loop's iteration; with their label rows as 0012 wrote them */
async function seed(run: (statement: string) => Promise<unknown>, n: number): Promise<void> {
  const id = "concat('e', lpad(s.seq, 6, '0'))";
  // created runs against the id: the newest has the smallest id
  const created = `date_format(timestamp'2026-01-01 00:00:00' + interval (${n} - s.seq) minute, '%Y-%m-%dT%H:%i:%s.000Z')`;
  await run(`insert into executions (id, namespace, flow_id, flow_revision, state, state_record, labels, created, updated, version, kind)
    select ${id}, 'walk', 'f', 1, 'SUCCESS', json_object('current', 'SUCCESS'), json_object('batch', concat('b', s.seq % 10), 'env', 'prod'), ${created}, ${created}, 1,
      if(s.seq % 7 = 0, 'LOOP', null) from seq_1_to_${n} s`);
  await run(`insert into execution_labels (execution_id, label_key, label_value)
    select ${id}, 'batch', concat('b', s.seq % 10) from seq_1_to_${n} s union all select ${id}, 'env', 'prod' from seq_1_to_${n} s`);
  await run("analyze table executions, execution_labels");
}

describe.skipIf(!MYSQL_URL)("mysql: a search by labels walks execution_labels_walk", () => {
  it("migration 0015 on a database made by 0000–0014 (main's schema before it) with executions in it: each label row gets its execution's created and kind, the search finds them newest first", async () => {
    const url = await fresh();
    await migrateUpTo(url, 14);
    const connection = await mysql.createConnection({ uri: url });
    await seed((s) => connection.query(s), 2_000);
    const repo = createMysqlRepository({ type: "mysql", url });
    await repo.init();
    const [[{ unfilled }]] = (await connection.query(
      "select count(*) as unfilled from execution_labels l join executions e on e.id = l.execution_id where l.created <> e.created or not (l.kind <=> e.kind)",
    )) as unknown as [[{ unfilled: number }]];
    expect(Number(unfilled)).toBe(0);
    // b3: i = 3, 13, 23 …; i % 7 = 0 are Loop iterations; newest first = smallest i first
    const expected = Array.from({ length: 2_000 }, (_, i) => i + 1).filter((i) => i % 10 === 3 && i % 7 !== 0).map((i) => `e${String(i).padStart(6, "0")}`);
    const page = await repo.searchExecutions({ labels: { batch: "b3" }, page: 1, size: 25, countUpTo: 1_000 });
    expect(page.results.map((e) => e.id)).toEqual(expected.slice(0, 25));
    expect([page.total, page.totalEstimated ?? false]).toEqual([expected.length, false]);
    const loops = await repo.searchExecutions({ labels: { batch: "b3" }, kind: "LOOP", page: 1, size: 3 });
    expect(loops.results.map((e) => e.id)).toEqual(["e000063", "e000133", "e000203"]);
    // a label written after the migration (a new execution's, through the hot path) carries its created too
    const at = "2027-01-01T00:00:00.000Z";
    await repo.saveExecution({ id: "e-new", namespace: "walk", flowId: "f", flowRevision: 1, state: { current: "RUNNING", histories: [{ state: "RUNNING", date: at }], startDate: at }, labels: { batch: "b3" }, created: at, updated: at, version: 1 });
    expect((await repo.searchExecutions({ labels: { batch: "b3" }, page: 1, size: 2 })).results.map((e) => e.id)).toEqual(["e-new", expected[0]]);
    await connection.end();
    await repo.close();
  }, 60_000);

  it("the page walks the index in order and stops (no filesort), the count reads the index alone", async () => {
    const url = await fresh();
    const repo = createMysqlRepository({ type: "mysql", url });
    await repo.init();
    const pool = mysql.createPool({ uri: url, connectionLimit: 2 });
    await seed((s) => pool.query(s), 5_000);
    // the statements the search sends, captured by a logger on the repository's own database (as bench/history-scale.js does)
    const sent: Array<{ query: string; params: unknown[] }> = [];
    const holder = repo as unknown as { database: unknown };
    const own = holder.database;
    holder.database = drizzle(pool, { schema, mode: "default", logger: { logQuery: (query, params) => sent.push({ query, params }) } });
    await repo.searchExecutions({ labels: { batch: "b3" }, page: 1, size: 25, countUpTo: 1_000 });
    holder.database = own;
    const plans = await Promise.all(sent.map(async ({ query, params }) => ({ query, plan: ((await pool.query(`explain ${query}`, params))[0] as Array<{ table: string; key: string | null; Extra: string | null }>) })));
    const page = plans.find((p) => /order by/i.test(p.query))!;
    expect(page.plan[0]).toMatchObject({ table: "execution_labels", key: "execution_labels_walk" });
    expect(page.plan.map((r) => r.Extra ?? "").join(" ")).not.toMatch(/filesort|temporary/i);
    const count = plans.find((p) => /count\(\*\)/i.test(p.query))!;
    expect(count.plan.filter((r) => r.table !== "<derived2>").map((r) => [r.table, r.key, /Using index/.test(r.Extra ?? "")])).toEqual([["execution_labels", "execution_labels_walk", true]]);
    await pool.end();
    await repo.close();
  }, 60_000);
});
