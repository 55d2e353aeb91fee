import { ConflictError, newId, type ExecutionRecord } from "@ferry/sdk";
import Database from "better-sqlite3";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteRepository, type SqliteRepository } from "./sqlite.repository.js";

/*
 * A save that leaves an execution's state as it was sets neither its state nor its parent, so
 * SQLite leaves the indexes over them alone (hot-statements.ts): what is stored, searched and
 * refused must be what the full update gives.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-sqlite-same-state-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const open = async (name: string): Promise<SqliteRepository> => {
  const repo = createSqliteRepository({ type: "sqlite", path: join(dir, name) });
  await repo.init();
  return repo;
};
const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
const execution = (parentId?: string): ExecutionRecord => ({
  id: newId(), namespace: "same.team", flowId: "f", flowRevision: 1, state: { current: "RUNNING", histories: [{ state: "RUNNING", date: at(0) }], startDate: at(0) },
  labels: {}, created: at(0), updated: at(0), storagePrefix: "same/team/f/executions/x",
  ...(parentId ? { parent: { executionId: parentId, taskRunId: newId() } } : {}),
});
const ids = async (repo: SqliteRepository, state: string) => (await repo.searchExecutions({ namespace: "same.team", state: [state], page: 1, size: 100 } as never)).results.map((e) => e.id);

describe("SQLite: a save that keeps the state", () => {
  it("stores the rest, keeps the state and parent searchable, and a state change after it is stored and searchable", async () => {
    const repo = await open("kept.db");
    const parent = execution();
    const e = execution(parent.id);
    await repo.saveExecution(parent);
    await repo.saveExecution(e);
    for (let version = 0; version < 5; version++) await repo.saveExecution({ ...e, labels: { n: String(version) }, updated: at(version + 1) }, [], { expectedVersion: version });
    let stored = (await repo.getExecution(e.id))!.execution;
    expect(stored.labels).toEqual({ n: "4" });
    expect(stored.updated).toBe(at(5));
    expect(stored.version).toBe(5);
    expect(stored.parent?.executionId).toBe(parent.id);
    expect(await ids(repo, "RUNNING")).toContain(e.id);
    const ended = { ...e, state: { ...e.state, current: "SUCCESS" as const, histories: [...e.state.histories, { state: "SUCCESS" as const, date: at(9) }] }, updated: at(9) };
    await repo.saveExecution(ended, [], { expectedVersion: 5 });
    stored = (await repo.getExecution(e.id))!.execution;
    expect(stored.state.current).toBe("SUCCESS");
    expect(await ids(repo, "RUNNING")).not.toContain(e.id);
    expect(await ids(repo, "SUCCESS")).toContain(e.id);
    await repo.close();
    // the indexes agree with the table (SQLite's own check)
    const db = new Database(join(dir, "kept.db"), { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
  });

  it("refuses a save over another version, with the state kept or changed", async () => {
    const repo = await open("conflict.db");
    const e = execution();
    await repo.saveExecution(e);
    await repo.saveExecution({ ...e, labels: { a: "1" } }, [], { expectedVersion: 0 });
    await expect(repo.saveExecution({ ...e, labels: { a: "2" } }, [], { expectedVersion: 0 })).rejects.toBeInstanceOf(ConflictError);
    await expect(repo.saveExecution({ ...e, state: { ...e.state, current: "FAILED" } }, [], { expectedVersion: 0 })).rejects.toBeInstanceOf(ConflictError);
    expect((await repo.getExecution(e.id))!.execution.labels).toEqual({ a: "1" });
    await repo.close();
  });

  it("another connection's state change in between is not overwritten by a save that thought the state kept", async () => {
    const first = await open("two.db");
    const second = await open("two.db");
    const e = execution();
    await first.saveExecution(e);
    await first.saveExecution({ ...e, labels: { by: "first" } }, [], { expectedVersion: 0 });
    // the second connection kills it at version 1; the first, whose hint says RUNNING, saves over version 2 with RUNNING
    await second.saveExecution({ ...e, state: { ...e.state, current: "KILLING" } }, [], { expectedVersion: 1 });
    await first.saveExecution({ ...e, labels: { by: "first again" } }, [], { expectedVersion: 2 });
    const stored = (await second.getExecution(e.id))!.execution;
    // the full update ran (the kept-state one matched no row): what the first connection saved is stored whole
    expect(stored.state.current).toBe("RUNNING");
    expect(stored.labels).toEqual({ by: "first again" });
    expect(await ids(second, "KILLING")).not.toContain(e.id);
    await Promise.all([first.close(), second.close()]);
  });
});
