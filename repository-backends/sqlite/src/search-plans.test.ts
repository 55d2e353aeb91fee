import type { ExecutionSearch, PageRequest } from "@ferry/sdk";
import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteRepository } from "./sqlite.repository.js";
import * as schema from "./schema.js";

/**
 * The plans of the executions searches (migration 0014: each search index ends with `kind`,
 * executions_created with the namespace too): a search's bounded count reads a covering index
 * (no execution row: `kind IS NULL` and the namespace are checked on the entries), and a page by
 * offset finds its ids in the index before reading the page's rows.
 */
const N = 5_000;
let folder: string;
let sqlite: Database.Database;
let repo: ReturnType<typeof createSqliteRepository>;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "ferry-sqlite-plans-"));
  const file = join(folder, "ferry.db");
  repo = createSqliteRepository({ type: "sqlite", path: file });
  await repo.init();
  sqlite = new Database(file);
  // as bench/history-seed.js: 20 namespaces, 200 flows, 7 % FAILED; every 7th a Loop's iteration of one of 10 parents
  sqlite.exec(`with recursive s(seq) as (select 1 union all select seq + 1 from s where seq < ${N})
    insert into executions (id, namespace, flow_id, flow_revision, state, state_record, labels, created, updated, version, kind, parent_id)
    select 'e' || printf('%06d', seq), 'company.team' || (seq % 200 % 20), 'flow' || (seq % 200), 1,
      case when seq % 100 < 93 then 'SUCCESS' else 'FAILED' end, json_object('histories', printf('%.600c', 'x')), json_object('env', 'prod'),
      strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || seq || ' minutes'), strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || seq || ' minutes'), 1,
      case when seq % 7 = 0 then 'LOOP' end, case when seq % 7 = 0 then 'p' || (seq % 10) end
    from s; analyze`);
});

afterAll(async () => {
  sqlite?.close();
  await repo?.close();
  await rm(folder, { recursive: true, force: true });
});

/** the statements one search sends, captured by a logger on a drizzle of its own over the same file, each with its plan */
async function plansOf(query: ExecutionSearch & PageRequest): Promise<{ count: string; page: string }> {
  const sent: Array<{ query: string; params: unknown[] }> = [];
  const holder = repo as unknown as { database: unknown };
  const own = holder.database;
  holder.database = drizzle(sqlite, { schema, logger: { logQuery: (q, params) => sent.push({ query: q, params }) } });
  try {
    await repo.searchExecutions(query);
  } finally {
    holder.database = own;
  }
  const plan = (statement: { query: string; params: unknown[] }) =>
    (sqlite.prepare(`explain query plan ${statement.query}`).all(...(statement.params as unknown[])) as Array<{ detail: string }>).map((r) => r.detail).join("\n");
  return {
    count: plan(sent.find((s) => /^select count\(\*\)/i.test(s.query))!),
    page: plan(sent.find((s) => /order by/i.test(s.query) && !/^select count/i.test(s.query))!),
  };
}

const page = { page: 1, size: 25, countUpTo: 1_000 };

describe("sqlite: executions searches read their index (migration 0014)", () => {
  it("by flow, by state, by parent: the count from a covering index, the page in its order", async () => {
    for (const [query, index] of [
      [{ namespace: "company.team3", flowId: "flow23" }, "executions_flow_created"],
      [{ state: ["FAILED"] }, "executions_state_created"],
      [{ parentId: "p3", kind: "LOOP" }, "executions_parent_created"],
    ] as const) {
      const plans = await plansOf({ ...page, ...query } as ExecutionSearch & PageRequest);
      expect(plans.count).toMatch(new RegExp(`USING COVERING INDEX ${index}\\b`));
      expect(plans.page).toMatch(new RegExp(`USING INDEX ${index}\\b`));
      expect(plans.page).not.toMatch(/TEMP B-TREE/);
    }
  });

  it("by namespace and a page by offset: the count and the page's ids from a covering index", async () => {
    for (const query of [{ namespace: "company.team3" }, { page: 40 }]) {
      const plans = await plansOf({ ...page, ...query });
      expect(plans.count).toMatch(/USING COVERING INDEX/);
      expect(plans.count).not.toMatch(/SCAN executions\s*$/m);
      expect(plans.page).toMatch(/USING COVERING INDEX executions_created/);
    }
  });
});
