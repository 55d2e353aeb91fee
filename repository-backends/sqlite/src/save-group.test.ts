import { ConflictError, newId, type ExecutionRecord, type LogEntry, type TaskRunRecord } from "@ferry/sdk";
import Database from "better-sqlite3";
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqliteRepository, type SqliteRepository } from "./sqlite.repository.js";

/* Saves asked for in one turn of the event loop are written in one transaction (group commit), each keeping its own outcome. */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-sqlite-group-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

const open = async (name: string): Promise<SqliteRepository> => {
  const repo = createSqliteRepository({ type: "sqlite", path: join(dir, name) });
  await repo.init();
  return repo;
};
const now = () => new Date().toISOString();
const execution = (): ExecutionRecord => ({
  id: newId(), namespace: "group.team", flowId: "f", flowRevision: 1, state: { current: "RUNNING", histories: [{ state: "RUNNING", date: now() }], startDate: now() },
  labels: {}, created: now(), updated: now(), storagePrefix: "group/team/f/executions/x",
});
const run = (e: ExecutionRecord): TaskRunRecord => ({
  id: newId(), executionId: e.id, namespace: e.namespace, flowId: e.flowId, taskId: "t",
  state: { current: "SUCCESS", histories: [{ state: "CREATED", date: now() }, { state: "SUCCESS", date: now() }], startDate: now(), endDate: now() },
  attempts: [],
} as unknown as TaskRunRecord);
const line = (e: ExecutionRecord, message: string): LogEntry => ({ executionId: e.id, namespace: e.namespace, flowId: e.flowId, level: "INFO", message, timestamp: now() });
const walBytes = (name: string) => statSync(join(dir, `${name}-wal`)).size;

describe("SQLite: group commit of the saves of one turn", () => {
  it("saves asked for together take one transaction: the WAL grows by a fraction of what one transaction each writes", async () => {
    const alone = await open("alone.db");
    const together = await open("together.db");
    const [a, b] = [Array.from({ length: 30 }, execution), Array.from({ length: 30 }, execution)];
    const [walAlone, walTogether] = [walBytes("alone.db"), walBytes("together.db")];
    for (const e of a) await alone.saveExecution(e, [run(e), run(e)]);
    await Promise.all(b.map((e) => together.saveExecution(e, [run(e), run(e)])));
    const grewAlone = walBytes("alone.db") - walAlone;
    const grewTogether = walBytes("together.db") - walTogether;
    // one transaction per save appends each save's pages again (executions, task runs, their indexes)
    expect(grewTogether).toBeLessThan(grewAlone / 4);
    for (const e of b) expect((await together.getExecution(e.id))?.taskRuns).toHaveLength(2);
    await Promise.all([alone.close(), together.close()]);
  });

  it("one execution's saves one after the other are not held a turn each: with no other execution saving, each is written once its caller's microtasks are done", async () => {
    const repo = await open("chain.db");
    const e = execution();
    await repo.saveExecution(e, []);
    let turned = false;
    setImmediate(() => (turned = true));
    for (let version = 0; version < 50; version++) await repo.saveExecution({ ...e, labels: { n: String(version) } }, [], { expectedVersion: version });
    expect(turned).toBe(false);
    expect((await repo.getExecution(e.id))?.execution.labels).toEqual({ n: "49" });
    await repo.close();
  });

  it("a save that conflicts fails alone; the others of its turn and the log lines waiting are committed", async () => {
    const repo = await open("conflict.db");
    const [first, stale, last] = [execution(), execution(), execution()];
    await repo.saveExecution(stale, []);
    const appended = repo.appendLogs([line(first, "kept")]);
    const outcomes = await Promise.allSettled([
      repo.saveExecution(first, [run(first)]),
      repo.saveExecution({ ...stale, labels: { lost: "yes" } }, [run(stale)], { expectedVersion: 41 }),
      repo.saveExecution(last, [run(last)]),
    ]);
    await appended;
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect((await repo.getExecution(first.id))?.taskRuns).toHaveLength(1);
    expect((await repo.getExecution(last.id))?.taskRuns).toHaveLength(1);
    // the conflicting save's savepoint was rolled back: neither its labels nor its task run
    const kept = await repo.getExecution(stale.id);
    expect(kept?.execution.labels).toEqual({});
    expect(kept?.taskRuns).toHaveLength(0);
    expect((await repo.findLogs(first.id)).map((l) => l.message)).toEqual(["kept"]);
    await repo.close();
  });

  it("a save resolves only once committed: another connection on the file reads it then; close writes what waits", async () => {
    const repo = await open("durable.db");
    const reader = new Database(join(dir, "durable.db"), { readonly: true });
    const count = (id: string) => (reader.prepare(`select count(*) as n from "executions" where "id" = ?`).get(id) as { n: number }).n;
    const e = execution();
    const saved = repo.saveExecution(e, []);
    // asked for, not yet written: the transaction is made at the turn's end
    expect(count(e.id)).toBe(0);
    await saved;
    expect(count(e.id)).toBe(1);
    // a read asked for after a save, before it is written, waits for it and sees it
    const next = execution();
    const asked = repo.saveExecution(next, [run(next)]);
    expect((await repo.getExecution(next.id))?.taskRuns).toHaveLength(1);
    expect((await repo.searchExecutions({ namespace: "group.team", page: 1, size: 50 })).results.map((r) => r.id)).toContain(next.id);
    await asked;
    const late = execution();
    const pending = repo.saveExecution(late, []);
    await repo.close();
    await pending;
    expect(count(late.id)).toBe(1);
    reader.close();
  });
});
