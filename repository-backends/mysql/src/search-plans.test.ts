import type { ExecutionSearch, PageRequest } from "@ferry/sdk";
import { drizzle } from "drizzle-orm/mysql2";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlRepository } from "./mysql.repository.js";
import * as schema from "./schema.js";
import { createMysqlTestDatabase, MYSQL_URL } from "./test-database.test-support.js";

/**
 * The plans of the executions searches (migration 0016: each search index ends with `kind`,
 * executions_created with the namespace too): a search's bounded count reads its index alone
 * (`Using index`, no execution row: `kind IS NULL` and the namespace are checked on the
 * entries), and a page by offset or by namespace finds its ids in the index before reading the
 * page's rows. Before 0016 the counts said `Using index condition; Using where` (each match's
 * row read) and a page by offset read the whole row of every execution it skipped.
 */
const N = 20_000;
let database: { url: string; drop(): Promise<void> } | undefined;
let pool: mysql.Pool | undefined;
let repo: ReturnType<typeof createMysqlRepository> | undefined;

beforeAll(async () => {
  if (!MYSQL_URL) return;
  database = await createMysqlTestDatabase();
  repo = createMysqlRepository({ type: "mysql", url: database.url });
  await repo.init();
  pool = mysql.createPool({ uri: database.url, connectionLimit: 2 });
  // as bench/history-seed.js: 20 namespaces, 200 flows, 7 % FAILED; every 7th a Loop's iteration of one of 10 parents
  const at = "date_format(timestamp'2026-01-01 00:00:00' + interval s.seq minute, '%Y-%m-%dT%H:%i:%s.000Z')";
  await pool.query(`insert into executions (id, namespace, flow_id, flow_revision, state, state_record, labels, created, updated, version, kind, parent_id)
    select concat('e', lpad(s.seq, 6, '0')), concat('company.team', s.seq % 200 % 20), concat('flow', s.seq % 200), 1,
      if(s.seq % 100 < 93, 'SUCCESS', 'FAILED'), json_object('histories', repeat('x', 600)), json_object('env', 'prod'), ${at}, ${at}, 1,
      if(s.seq % 7 = 0, 'LOOP', null), if(s.seq % 7 = 0, concat('p', s.seq % 10), null)
    from seq_1_to_${N} s`);
  await pool.query("analyze table executions");
}, 60_000);

afterAll(async () => {
  await pool?.end();
  await repo?.close();
  await database?.drop();
});

interface PlanRow {
  table: string;
  key: string | null;
  Extra: string | null;
}

/** the statements one search sends, captured by a logger on the repository's own database (as bench/history-scale.js does), each with its plan */
async function plansOf(query: ExecutionSearch & PageRequest): Promise<{ count: PlanRow[]; page: PlanRow[] }> {
  const sent: Array<{ query: string; params: unknown[] }> = [];
  const holder = repo as unknown as { database: unknown };
  const own = holder.database;
  holder.database = drizzle(pool!, { schema, mode: "default", logger: { logQuery: (q, params) => sent.push({ query: q, params }) } });
  try {
    await repo!.searchExecutions(query);
  } finally {
    holder.database = own;
  }
  const plan = async (statement: { query: string; params: unknown[] }) => (await pool!.query(`explain ${statement.query}`, statement.params))[0] as PlanRow[];
  return {
    count: await plan(sent.find((s) => /^select count\(\*\)/i.test(s.query))!),
    page: await plan(sent.find((s) => /order by/i.test(s.query) && !/^select count/i.test(s.query))!),
  };
}

/** the plan's reads of executions: [index, whether from the index alone] */
const reads = (plan: PlanRow[]) => plan.filter((r) => r.table === "executions").map((r) => [r.key, /Using index(?! condition)/.test(r.Extra ?? "")]);
const page = { page: 1, size: 25, countUpTo: 1_000 };

describe.skipIf(!MYSQL_URL)("mysql: executions searches read their index (migration 0016)", () => {
  it("by flow: executions_flow_created in order, the count from the index alone", async () => {
    const plans = await plansOf({ ...page, namespace: "company.team3", flowId: "flow23" });
    expect(reads(plans.count)).toEqual([["executions_flow_created", true]]);
    expect(plans.page.map((r) => r.key)).toEqual(["executions_flow_created"]);
    expect(plans.page.map((r) => r.Extra ?? "").join(" ")).not.toMatch(/filesort/);
  });

  it("by state: executions_state_created in order, the count from the index alone", async () => {
    const plans = await plansOf({ ...page, state: ["FAILED"] });
    expect(reads(plans.count)).toEqual([["executions_state_created", true]]);
    expect(plans.page.map((r) => r.key)).toEqual(["executions_state_created"]);
    expect(plans.page.map((r) => r.Extra ?? "").join(" ")).not.toMatch(/filesort/);
  });

  it("by namespace and its children: the page's ids from an index alone, then 25 rows by primary key", async () => {
    const plans = await plansOf({ ...page, namespace: "company.team3" });
    expect(reads(plans.count)).toHaveLength(1);
    expect(reads(plans.count)[0][1]).toBe(true);
    // the optimizer walks executions_created newest first, or (a small table) takes the
    // namespace's range of executions_flow_created and sorts its ids: the index alone either way
    expect(reads(plans.page)).toEqual([["PRIMARY", false], [expect.stringMatching(/^executions_(flow_)?created$/), true]]);
  });

  it("a page by offset: the skipped rows' ids from executions_created alone, then 25 rows by primary key", async () => {
    const plans = await plansOf({ ...page, page: 40 });
    expect(reads(plans.count)[0][1]).toBe(true);
    expect(reads(plans.page)).toEqual([["PRIMARY", false], ["executions_created", true]]);
  });

  it("a parent's Loop iterations: executions_parent_created, the count from the index alone", async () => {
    const plans = await plansOf({ ...page, parentId: "p3", kind: "LOOP" });
    expect(reads(plans.count)).toEqual([["executions_parent_created", true]]);
    expect(plans.page.map((r) => r.key)).toEqual(["executions_parent_created"]);
    expect(plans.page.map((r) => r.Extra ?? "").join(" ")).not.toMatch(/filesort/);
  });

  it("the searches still answer: newest first, Loop iterations apart, pages by offset continuing the first", async () => {
    const first = await repo!.searchExecutions({ ...page, namespace: "company.team3", size: 10 });
    const second = await repo!.searchExecutions({ ...page, namespace: "company.team3", size: 10, page: 2 });
    const expected = Array.from({ length: N }, (_, k) => N - k).filter((i) => (i % 200) % 20 === 3 && i % 7 !== 0).map((i) => `e${String(i).padStart(6, "0")}`);
    expect([...first.results, ...second.results].map((e) => e.id)).toEqual(expected.slice(0, 20));
    expect([first.total, first.totalEstimated ?? false]).toEqual([expected.length, false]);
  });
});
