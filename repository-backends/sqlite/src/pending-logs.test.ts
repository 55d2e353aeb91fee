import { ConflictError, newId, type ExecutionRecord, type LogEntry } from "@ferry/sdk";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteRepository, type SqliteRepository } from "./sqlite.repository.js";

/* A task run's log lines ride the executor's save of its result (one write transaction), and land whatever becomes of that save. */
let dir: string;
let repo: SqliteRepository;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-sqlite-logs-"));
  repo = createSqliteRepository({ type: "sqlite", path: join(dir, "ferry.db") });
  await repo.init();
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const now = () => new Date().toISOString();
const execution = (): ExecutionRecord => ({
  id: newId(), namespace: "logs.team", flowId: "f", flowRevision: 1, state: { current: "RUNNING", histories: [{ state: "RUNNING", date: now() }], startDate: now() },
  labels: {}, created: now(), updated: now(), storagePrefix: "logs/team/f/executions/x",
});
const line = (e: ExecutionRecord, message: string): LogEntry => ({ executionId: e.id, namespace: e.namespace, flowId: e.flowId, level: "INFO", message, timestamp: now() });
const messages = async (e: ExecutionRecord) => (await repo.findLogs(e.id)).map((l) => l.message);

describe("SQLite: log lines written with the execution's save", () => {
  it("lines appended just before a save are committed with it, and stored once", async () => {
    const e = execution();
    await repo.saveExecution(e, []);
    const appended = repo.appendLogs([line(e, "one"), line(e, "two")]);
    await repo.saveExecution({ ...e, labels: { saved: "yes" } }, [], { expectedVersion: 0 });
    await appended;
    expect(await messages(e)).toEqual(["one", "two"]);
    expect((await repo.getExecution(e.id))?.execution.labels).toEqual({ saved: "yes" });
  });

  it("a save that conflicts rolls back, and its lines are written on their own", async () => {
    const e = execution();
    await repo.saveExecution(e, []);
    const appended = repo.appendLogs([line(e, "kept")]);
    await expect(repo.saveExecution(e, [], { expectedVersion: 41 })).rejects.toThrow(ConflictError);
    await appended;
    expect(await messages(e)).toEqual(["kept"]);
  });

  it("lines no save takes are written by the next turn; close writes what waits", async () => {
    const e = execution();
    await repo.appendLogs([line(e, "alone")]);
    expect(await messages(e)).toEqual(["alone"]);
    const other = createSqliteRepository({ type: "sqlite", path: join(dir, "other.db") });
    await other.init();
    const pending = other.appendLogs([line(e, "at close")]);
    await other.close();
    await pending;
    const reopened = createSqliteRepository({ type: "sqlite", path: join(dir, "other.db") });
    await reopened.init();
    expect((await reopened.findLogs(e.id)).map((l) => l.message)).toEqual(["at close"]);
    await reopened.close();
  });
});
