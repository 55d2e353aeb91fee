import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createSqliteRepository } from "./sqlite.repository.js";

it("the repository times its hot-path writes (saves, inserts, log appends) for the purge to yield to (hotWriteLatency); reads are not counted", async () => {
  const folder = await mkdtemp(join(tmpdir(), "ferry-sqlite-latency-"));
  const repo = createSqliteRepository({ type: "sqlite", path: join(folder, "ferry.db") });
  try {
    await repo.init();
    const before = performance.now();
    const at = new Date().toISOString();
    const execution = { id: "e1", namespace: "n", flowId: "f", flowRevision: 1, state: { current: "RUNNING" as const, histories: [{ state: "RUNNING" as const, date: at }], startDate: at }, labels: {}, created: at, updated: at, version: 0 };
    await repo.insertExecution(execution);
    await repo.saveExecution({ ...execution, version: 1 }, [], { expectedVersion: 0 });
    await repo.appendLogs([{ executionId: "e1", namespace: "n", flowId: "f", level: "INFO", message: "m", timestamp: at }]);
    await repo.getExecution("e1");
    const seen = repo.hotWriteLatency(before);
    expect(seen.ended).toHaveLength(3);
    expect(seen.waitingMs).toBe(0);
    expect(repo.hotWriteLatency(performance.now()).ended).toEqual([]);
  } finally {
    await repo.close();
    await rm(folder, { recursive: true, force: true });
  }
});
