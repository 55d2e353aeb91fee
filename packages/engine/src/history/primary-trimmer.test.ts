import { createPostgresHistoryTestStore, POSTGRES_URL } from "@ferry/history-postgres/test-support";
import { createSqliteRepository } from "@ferry/repository-sqlite";
import { executionOf, logsOf } from "@ferry/testkit";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { HistoryExporter } from "./history-exporter.js";
import { PrimaryTrimmer } from "./primary-trimmer.js";

describe.skipIf(!POSTGRES_URL)("history.primaryRetention", () => {
  it("drops from the primary only ended executions the exporter has certainly exported, older than the retention; history keeps them", async () => {
    const repository = createSqliteRepository({ type: "sqlite", path: join(await mkdtemp(join(tmpdir(), "ferry-trim-")), "ferry.db") });
    await repository.init();
    const { store, drop } = await createPostgresHistoryTestStore();
    try {
      const hourAgo = Date.now() - 3_600_000;
      const old = [0, 1, 2].map((i) => executionOf({ namespace: "trim", created: new Date(hourAgo + i).toISOString() }));
      const running = executionOf({ namespace: "trim", created: new Date(hourAgo + 3).toISOString(), state: "RUNNING" });
      const recent = executionOf({ namespace: "trim", created: new Date().toISOString() });
      for (const e of [...old, running, recent]) {
        await repository.saveExecution(e.execution, e.taskRuns);
        await repository.appendLogs(logsOf(e, 0, [{ message: "a line" }]).map(({ seq: _s, ...l }) => l));
      }
      const exporter = new HistoryExporter({ repository, history: store, overlapMs: 1000, gapTimeoutMs: 1000 });
      const trimmer = new PrimaryTrimmer({ repository, exporter, keepMs: 30 * 60_000, trailingMs: 0 });
      // nothing is known exported yet: nothing goes
      expect(await trimmer.trimOnce()).toBe(0);
      await exporter.catchUp();
      expect(await trimmer.trimOnce()).toBe(3);
      for (const e of old) {
        expect(await repository.getExecution(e.execution.id)).toBeUndefined();
        expect(await repository.findLogs(e.execution.id)).toEqual([]);
        expect((await store.getExecution(e.execution.id))?.execution.id).toBe(e.execution.id);
        expect(await store.findLogs(e.execution.id)).toHaveLength(1);
      }
      expect(await repository.getExecution(running.execution.id)).toBeDefined();
      expect(await repository.getExecution(recent.execution.id)).toBeDefined();
      expect(await trimmer.trimOnce()).toBe(0);
    } finally {
      await drop();
      await repository.close();
    }
  });
});
