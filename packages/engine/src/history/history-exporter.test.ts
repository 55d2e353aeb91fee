import { createPostgresHistoryTestStore } from "@ferry/history-postgres/test-support";
import { createSqliteRepository, type SqliteRepository } from "@ferry/repository-sqlite";
import { executionOf, logsOf } from "@ferry/testkit";
import { TcpProxy } from "@ferry/testkit/tcp-proxy";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HistoryStore } from "@ferry/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { HistoryExporter } from "./history-exporter.js";

const POSTGRES_URL = process.env.FERRY_TEST_POSTGRES_URL;

async function primary(): Promise<SqliteRepository> {
  const repository = createSqliteRepository({ type: "sqlite", path: join(await mkdtemp(join(tmpdir(), "ferry-export-")), "ferry.db") });
  await repository.init();
  return repository;
}

/** saves executions and their log lines in the primary, as the engine would */
async function seed(repository: SqliteRepository, namespace: string, count: number, startMs = Date.now()) {
  const saved = [];
  for (let i = 0; i < count; i++) {
    const e = executionOf({ namespace, created: new Date(startMs + i).toISOString() });
    await repository.saveExecution(e.execution, e.taskRuns);
    await repository.appendLogs(logsOf(e, 0, [{ message: `line one of ${i}` }, { message: `line two of ${i}` }]).map(({ seq: _s, ...l }) => l));
    saved.push(e);
  }
  return saved;
}

describe.skipIf(!POSTGRES_URL)("history exporter: sqlite primary, postgres history", () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it("exports every execution and line once, keeps its position in the store, and a new exporter resumes there", async () => {
    const repository = await primary();
    const { store, drop } = await createPostgresHistoryTestStore();
    cleanups.push(drop, () => repository.close());
    await seed(repository, "exp.a", 25);
    const exporter = new HistoryExporter({ repository, history: store, batchSize: 10 });
    await exporter.catchUp();
    expect((await store.searchExecutions({ namespace: "exp.a", size: 1 })).total).toBe(25);
    expect((await store.searchLogs({ q: "line", namespace: "exp.a", size: 1 })).total).toBe(50);
    expect(exporter.statusNow()).toMatchObject({ caughtUp: true, lagSeconds: 0, up: true, position: { logs: 50 } });
    expect((await store.position())?.logs).toBe(50);
    // a second exporter (a restart, another replica) resumes from the stored position
    await seed(repository, "exp.a", 5);
    const next = new HistoryExporter({ repository, history: store, batchSize: 10 });
    await next.catchUp();
    expect(next.statusNow().exported.logs).toBe(10);
    expect((await store.searchLogs({ q: "line", namespace: "exp.a", size: 1 })).total).toBe(60);
  });

  it("re-reads its overlap: a save stamped before the cursor but committed after it is exported", async () => {
    const repository = await primary();
    const { store, drop } = await createPostgresHistoryTestStore();
    cleanups.push(drop, () => repository.close());
    let now = Date.now();
    const [late, early] = await seed(repository, "exp.late", 2, now - 60_000);
    const exporter = new HistoryExporter({ repository, history: store, overlapMs: 30_000, now: () => now });
    await exporter.catchUp();
    // another server saved `late` at a time stamped before what was exported, committing only now
    const stamped = new Date(Date.parse(early.execution.updated) - 5_000).toISOString();
    await repository.saveExecution({ ...late.execution, state: { ...late.execution.state, current: "FAILED" }, updated: stamped, version: 9 }, late.taskRuns);
    await exporter.catchUp();
    expect((await store.getExecution(late.execution.id))?.execution.state.current).toBe("SUCCESS");
    now += 10_000; // the next sweep is due
    await exporter.catchUp();
    expect((await store.getExecution(late.execution.id))?.execution.state.current).toBe("FAILED");
  });

  it("rebuilds one at a time, only where it exports: a second rebuild before the first caught up, or one asked of a replica without the lease, is a 409", async () => {
    const repository = await primary();
    const { store, drop } = await createPostgresHistoryTestStore();
    cleanups.push(drop, () => repository.close());
    await seed(repository, "exp.rebuild", 3);
    const lease = { held: true };
    const exporter = new HistoryExporter({ repository, history: store, lease });
    await exporter.catchUp();
    await exporter.rebuild();
    expect(exporter.statusNow()).toMatchObject({ rebuilding: true, active: true });
    // the live generation serves, whole, while the new one is built
    expect((await store.searchExecutions({ namespace: "exp.rebuild", size: 1 })).total).toBe(3);
    expect(await store.rebuilding()).toBe(true);
    await expect(exporter.rebuild()).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/^a history rebuild is already running/) });
    await exporter.catchUp();
    expect(exporter.statusNow().rebuilding).toBe(false);
    expect(await store.rebuilding()).toBe(false);
    expect((await store.searchExecutions({ namespace: "exp.rebuild", size: 1 })).total).toBe(3);
    lease.held = false;
    expect(exporter.statusNow().active).toBe(false);
    expect(exporter.exportedBefore()).toBeUndefined();
    await expect(exporter.rebuild()).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/another replica holds the export lease/) });
    expect((await store.searchExecutions({ namespace: "exp.rebuild", size: 1 })).total).toBe(3);
  });

  it("a rebuild that dies mid-way leaves the live generation serving; the next exporter goes on with it and switches once caught up", async () => {
    const repository = await primary();
    const { store, drop } = await createPostgresHistoryTestStore();
    cleanups.push(drop, () => repository.close());
    await seed(repository, "exp.crash", 4);
    await new HistoryExporter({ repository, history: store }).catchUp();
    await seed(repository, "exp.crash", 6);
    // the exporting server dies after its third write into the new generation: a write is one
    // transaction, so it stops between two writes (a process killed mid-write rolls back alike)
    let writes = 0;
    const dying: HistoryStore = Object.assign(Object.create(store) as HistoryStore, {
      write: async (...args: Parameters<HistoryStore["write"]>) => {
        if (++writes > 3) throw new Error("the process died");
        return store.write(...args);
      },
    });
    const first = new HistoryExporter({ repository, history: dying, batchSize: 2 });
    await first.rebuild();
    await expect(first.catchUp()).rejects.toThrow("the process died");
    // half-built: searches read the live generation, the 4 exported before the rebuild, once each
    expect(await store.rebuilding()).toBe(true);
    expect((await store.searchExecutions({ namespace: "exp.crash", size: 100 })).total).toBe(4);
    expect((await store.searchLogs({ q: "line", namespace: "exp.crash", size: 1 })).total).toBe(8);
    // a restarted server: its exporter finds the rebuild under way and finishes it
    const second = new HistoryExporter({ repository, history: store, batchSize: 2 });
    await second.catchUp();
    expect(second.statusNow().rebuilding).toBe(false);
    expect(await store.rebuilding()).toBe(false);
    const ids = (await store.searchExecutions({ namespace: "exp.crash", size: 100 })).results.map((e) => e.id);
    expect(ids).toHaveLength(10);
    expect(new Set(ids).size).toBe(10);
    expect((await store.searchLogs({ q: "line", namespace: "exp.crash", size: 1 })).total).toBe(20);
  });

  it("backs off while the history store is down, the primary untouched, then catches up to lag 0; rebuild re-exports everything", async () => {
    const repository = await primary();
    const { store: direct, url, drop } = await createPostgresHistoryTestStore();
    const target = new URL(url);
    const proxy = await TcpProxy.start({ host: target.hostname, port: Number(target.port || 5432) });
    target.port = String(proxy.port);
    const { PostgresHistoryStore } = await import("@ferry/history-postgres");
    const store = new PostgresHistoryStore({ url: target.toString(), poolSize: 2 });
    cleanups.push(drop, () => direct.close!(), () => proxy.stop(), () => store.close(), () => repository.close());
    const errors: string[] = [];
    const exporter = new HistoryExporter({ repository, history: store, pollMs: 50, maxBackoffMs: 200, onError: (_e, line) => errors.push(line) });
    await seed(repository, "exp.down", 10);
    exporter.start();
    cleanups.push(() => exporter.stop());
    await until(() => exporter.statusNow().caughtUp);
    await proxy.cut();
    // the engine's writes go on while history is out of reach
    await seed(repository, "exp.down", 20);
    await until(() => !exporter.statusNow().up);
    expect(errors[0]).toMatch(/history export failed \(attempt 1; retrying in 500 ms\)|history export failed/);
    expect(exporter.statusNow().lagSeconds).toBeGreaterThanOrEqual(0);
    await proxy.restore();
    await until(() => exporter.statusNow().caughtUp && exporter.statusNow().up, 20_000);
    expect(exporter.statusNow().lagSeconds).toBe(0);
    expect((await direct.searchExecutions({ namespace: "exp.down", size: 1 })).total).toBe(30);
    expect((await direct.searchLogs({ q: "line", namespace: "exp.down", size: 1 })).total).toBe(60);
    await exporter.rebuild();
    await until(() => exporter.statusNow().caughtUp);
    expect((await direct.searchExecutions({ namespace: "exp.down", size: 1 })).total).toBe(30);
    expect((await direct.searchLogs({ q: "line", namespace: "exp.down", size: 1 })).total).toBe(60);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 25));
  }
}
