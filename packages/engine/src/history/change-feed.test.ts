import { createMysqlRepository } from "@ferry/repository-mysql";
import { createPostgresRepository } from "@ferry/repository-postgres";
import { createSqliteRepository } from "@ferry/repository-sqlite";
import type { Repository } from "@ferry/sdk";
import { executionOf, logsOf } from "@ferry/testkit";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMysqlTestDatabase } from "../../../../repository-backends/mysql/src/test-database.test-support.js";
import { createPostgresTestDatabase } from "../../../../repository-backends/postgres/src/test-database.test-support.js";

/** each primary dialect, on a database of its own */
const dialects: Array<[string, boolean, () => Promise<{ repository: Repository; drop(): Promise<void> }>]> = [
  ["sqlite", true, async () => ({ repository: createSqliteRepository({ type: "sqlite", path: join(await mkdtemp(join(tmpdir(), "ferry-feed-")), "ferry.db") }), drop: async () => undefined })],
  ["postgres", !!process.env.FERRY_TEST_POSTGRES_URL, async () => {
    const db = await createPostgresTestDatabase();
    return { repository: createPostgresRepository({ type: "postgres", url: db.url }), drop: db.drop };
  }],
  ["mysql", !!process.env.FERRY_TEST_MYSQL_URL, async () => {
    const db = await createMysqlTestDatabase();
    return { repository: createMysqlRepository({ type: "mysql", url: db.url }), drop: db.drop };
  }],
];

describe.each(dialects)("the primary's change feed: %s", (_name, available, open) => {
  it.skipIf(!available)("lists executions after (updated, id) with their task runs, and lines and metrics after a seq, in order", async () => {
    const { repository, drop } = await open();
    await repository.init!();
    try {
      const created = Date.parse("2026-03-02T10:00:00Z");
      // two share one `updated`: the id breaks the tie
      const [a, b, c] = [0, 0, 5].map((offset, i) => executionOf({ namespace: "feed", created: new Date(created + offset).toISOString(), taskRuns: i + 1 }));
      for (const e of [c, a, b]) await repository.saveExecution(e.execution, e.taskRuns);
      const ordered = [a, b].sort((x, y) => x.execution.id.localeCompare(y.execution.id)).concat([c]);
      const all = await repository.listExecutionChanges!({ updated: "", id: "" }, 10);
      expect(all.map((e) => e.execution.id)).toEqual(ordered.map((e) => e.execution.id));
      expect(all.map((e) => e.taskRuns.length)).toEqual(ordered.map((e) => e.taskRuns.length));
      const first = ordered[0].execution;
      expect((await repository.listExecutionChanges!({ updated: first.updated, id: first.id }, 10)).map((e) => e.execution.id)).toEqual(ordered.slice(1).map((e) => e.execution.id));
      expect(await repository.listExecutionChanges!({ updated: c.execution.updated, id: c.execution.id }, 10)).toEqual([]);

      await repository.appendLogs(logsOf(a, 0, [{ message: "one" }, { message: "two" }, { message: "three" }]).map(({ seq: _s, ...l }) => l));
      const lines = await repository.listLogsAfter!(0, 10);
      expect(lines.map((l) => l.message)).toEqual(["one", "two", "three"]);
      expect(lines[1].seq).toBeGreaterThan(lines[0].seq);
      expect((await repository.listLogsAfter!(lines[0].seq, 1)).map((l) => l.message)).toEqual(["two"]);
      await repository.appendMetrics([{ executionId: a.execution.id, namespace: "feed", flowId: "flow", taskId: "t0", taskRunId: a.taskRuns[0].id, name: "rows", type: "counter", value: 3, tags: { k: "v" }, timestamp: a.execution.created }]);
      const metrics = await repository.listMetricsAfter!(0, 10);
      expect(metrics).toMatchObject([{ name: "rows", value: 3, tags: { k: "v" } }]);
      expect(metrics[0].seq).toBeGreaterThan(0);
    } finally {
      await repository.close!();
      await drop();
    }
  });
});
