import { createPostgresHistoryTestStore, POSTGRES_URL } from "@ferry/history-postgres/test-support";
import { createSqliteRepository } from "@ferry/repository-sqlite";
import { executionOf, logsOf, positionAfter } from "@ferry/testkit";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HistoryReader } from "./history-reader.js";

describe.skipIf(!POSTGRES_URL)("reading through an exported history store", () => {
  it("answers an execution still running from the primary, an ended one from history, and one the primary dropped from history (logs, metrics, statistics)", async () => {
    const repository = createSqliteRepository({ type: "sqlite", path: join(await mkdtemp(join(tmpdir(), "ferry-reader-")), "ferry.db") });
    await repository.init();
    const { store, drop } = await createPostgresHistoryTestStore();
    try {
      const reader = new HistoryReader(repository, store);
      const created = new Date().toISOString();
      // history last saw it RUNNING; the primary has since moved on (the exporter lags)
      const running = executionOf({ namespace: "reader", created, state: "RUNNING", version: 1 });
      const moved = executionOf({ id: running.execution.id, namespace: "reader", created, state: "PAUSED", version: 2 });
      // ended and exported, then dropped from the primary
      const ended = executionOf({ namespace: "reader", created: new Date(Date.parse(created) - 1000).toISOString() });
      const metric = (e: typeof ended, name: string) => ({
        executionId: e.execution.id, namespace: "reader", flowId: "flow", taskId: "t0", taskRunId: e.taskRuns[0].id, name, type: "counter" as const, value: 1, tags: {}, timestamp: created,
      });
      const batch = { executions: [running, ended], logs: logsOf(ended, 1, [{ message: "from history" }]), metrics: [{ ...metric(ended, "exported"), seq: 1 }] };
      await store.write(batch, positionAfter(batch));
      await repository.saveExecution(moved.execution, moved.taskRuns);
      await repository.appendLogs([{ ...logsOf(moved, 0, [{ message: "live line" }])[0] }].map(({ seq: _s, ...l }) => l));
      await repository.appendMetrics([metric(moved, "live")]);

      const page = await reader.searchExecutions({ namespace: "reader", page: 1, size: 10 });
      expect(page.results.map((e) => [e.id, e.state.current])).toEqual([
        [running.execution.id, "PAUSED"],
        [ended.execution.id, "SUCCESS"],
      ]);
      expect((await reader.getExecution(ended.execution.id))?.execution.id).toBe(ended.execution.id);
      expect((await reader.findLogs(ended.execution.id, {}))?.map((l) => l.message)).toEqual(["from history"]);
      expect((await reader.findLogs(running.execution.id, {}))?.map((l) => l.message)).toEqual(["live line"]);
      expect(await reader.findLogs("00000000-0000-7000-8000-000000000000", {})).toBeUndefined();
      expect((await reader.findMetrics(ended.execution.id, {}))?.map((m) => m.name)).toEqual(["exported"]);
      expect((await reader.findMetrics(running.execution.id, {}))?.map((m) => m.name)).toEqual(["live"]);
      expect(await reader.findMetrics("00000000-0000-7000-8000-000000000000", {})).toBeUndefined();
      // the dashboard's statistics count the running execution as the primary has it now
      const range = { namespace: "reader", from: new Date(Date.parse(created) - 60_000).toISOString(), to: new Date(Date.parse(created) + 60_000).toISOString() };
      const statistics = await reader.statisticsSource().countStates({ ...range, groupBy: "flow" });
      expect(statistics.map((c) => [c.state, c.count]).sort()).toEqual([["PAUSED", 1], ["SUCCESS", 1]]);
    } finally {
      await drop();
      await repository.close();
    }
  });
});
