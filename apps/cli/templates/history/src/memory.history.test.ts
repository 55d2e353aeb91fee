import { historyContract, positionAfter } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import backend, { AcmeHistoryStore } from "./index.js";

// the suite every built-in exported history store (PostgreSQL) runs: pass it and the server can rely on you
historyContract("acme", async () => {
  const store = new AcmeHistoryStore();
  return { store, ingest: (batch, position) => store.write(batch, position) };
});

describe("acme history backend", () => {
  it("is an exported history backend that refuses options it does not know", async () => {
    expect(backend.kind).toBe("history");
    expect(backend.configSchema.safeParse({ maxexecutions: 10 }).success).toBe(false);
    const store = await backend.create(backend.configSchema.parse({}), { baseDir: "." });
    expect(store).toBeInstanceOf(AcmeHistoryStore);
    expect(store.source).toBe("exported");
  });

  it("keeps at most maxExecutions executions, dropping the oldest with their lines", async () => {
    const store = await backend.create(backend.configSchema.parse({ maxExecutions: 10 }), { baseDir: "." });
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
    // UUIDv7-like ids: the first 12 hex digits are the creation time, so they sort as created
    const idOf = (i: number) => `${(Date.UTC(2026, 0, 1) + i * 1000).toString(16).padStart(12, "0").replace(/^(.{8})/, "$1-")}-7000-8000-${String(i).padStart(12, "0")}`;
    const executions = Array.from({ length: 11 }, (_, i) => ({
      execution: { id: idOf(i), namespace: "acme", flowId: "f", flowRevision: 1, labels: {}, state: { current: "SUCCESS" as const, histories: [], startDate: at(i) }, created: at(i), updated: at(i + 1), version: 1 },
      taskRuns: [],
    }));
    const logs = executions.map((e, i) => ({ seq: i + 1, executionId: e.execution.id, namespace: "acme", flowId: "f", level: "INFO" as const, message: `line ${i}`, timestamp: at(i) }));
    const batch = { executions, logs, metrics: [] };
    await store.write(batch, positionAfter(batch));
    const kept = await store.searchExecutions({ namespace: "acme", size: 20 });
    // the eleventh went past ten: down to nine, the two oldest gone
    expect(kept.results.map((e) => e.id)).toEqual(executions.slice(2).map((e) => e.execution.id).reverse());
    expect(await store.findLogs(executions[0].execution.id)).toEqual([]);
    expect((await store.searchLogs({ q: "line", namespace: "acme", size: 20 })).total).toBe(9);
  });
});
