import Database from "better-sqlite3";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Checkpointer, type CheckpointResult } from "./checkpointer.js";
import { createSqliteRepository } from "./sqlite.repository.js";

/* The WAL's checkpoints are made by a thread on its own connection, never by the writer's commit on the event loop. */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-sqlite-checkpoint-"));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

/** a writer as the repository's: WAL, its own automatic checkpoint off, ~2 MB of rows appended to the WAL */
function writer(name: string): Database.Database {
  const db = new Database(join(dir, name));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = NORMAL");
  db.pragma("wal_autocheckpoint = 0");
  db.exec("create table t (id integer primary key, body text)");
  const insert = db.prepare("insert into t (body) values (?)");
  for (let i = 0; i < 500; i++) insert.run("x".repeat(4000));
  return db;
}

const until = async (done: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!done()) throw new Error(`timed out waiting until ${what}`);
};

describe("SQLite: WAL checkpoints in a thread", () => {
  it("copies the WAL's pages into the database file while the writer makes no checkpoint of its own", async () => {
    const db = writer("copied.db");
    const file = join(dir, "copied.db");
    const before = statSync(file).size;
    const results: CheckpointResult[] = [];
    const failures: Error[] = [];
    const checkpointer = Checkpointer.start(file, (error) => failures.push(error), (result) => results.push(result), 20);
    await until(() => results.some((r) => r.log > 0 && r.checkpointed === r.log), "a checkpoint copied every frame");
    // the 500 rows (~2 MB) are in the database file itself now, not only in the WAL
    expect(statSync(file).size).toBeGreaterThan(before + 1_000_000);
    await checkpointer.stop();
    expect(failures).toEqual([]);
    db.close();
  });

  it("once stopped its connection is closed: the writer's close, the last, checkpoints and removes the WAL", async () => {
    const db = writer("stopped.db");
    const file = join(dir, "stopped.db");
    const checkpointer = Checkpointer.start(file, () => undefined, undefined, 20);
    await new Promise((r) => setTimeout(r, 100));
    await checkpointer.stop();
    db.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });

  it("under writes that never pause, the writer's own rare checkpoint keeps the WAL bounded: it is started over", async () => {
    const file = join(dir, "bounded.db");
    const db = new Database(file);
    db.pragma("journal_mode = WAL");
    // the repository's setting, scaled down: the writer checkpoints at 200 frames, the thread every 5 ms
    db.pragma("wal_autocheckpoint = 200");
    db.exec("create table t (id integer primary key, body text)");
    const checkpointer = Checkpointer.start(file, () => undefined, undefined, 5);
    const insert = db.prepare("insert into t (body) values (?)");
    // 3,000 one-page transactions with no pause: ~12 MB through the WAL
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 100; i++) insert.run("z".repeat(4000));
      await new Promise((r) => setImmediate(r));
    }
    // started over each time the writer's checkpoint copied what the thread had not: a few hundred
    // frames on a quiet box; 3.35 and 8.3 MB in CI at load 20–30, when the thread's checkpoint,
    // slowed, still held its read mark at the writer's. Never started over, the WAL would hold all
    // ~12.3 MB (3,000 frames of 4 KB and their headers): below that, it was started over.
    expect(statSync(`${file}-wal`).size).toBeLessThan(10_000_000);
    await checkpointer.stop();
    db.close();
  });

  it("a thread that cannot checkpoint is reported, so the writer can make its checkpoints again", async () => {
    const failures: Error[] = [];
    // a folder is no database: the thread's connection fails to open
    Checkpointer.start(dir, (error) => failures.push(error), undefined, 20);
    await until(() => failures.length > 0, "the failure is reported");
    expect(failures).toHaveLength(1);
  });

  it("the repository's checkpoints leave its WAL copied back while it runs, and its close removes the WAL", async () => {
    const file = join(dir, "repository.db");
    const repo = createSqliteRepository({ type: "sqlite", path: file });
    await repo.init();
    const before = statSync(file).size;
    const now = new Date().toISOString();
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        repo.saveExecution({
          id: `e${i}`, namespace: "ckpt.team", flowId: "f", flowRevision: 1, state: { current: "RUNNING", histories: [{ state: "RUNNING", date: now }], startDate: now },
          labels: { body: "y".repeat(3000) }, created: now, updated: now, storagePrefix: `ckpt/team/f/executions/e${i}`,
        }),
      ),
    );
    // no save asks for it: the thread copies the ~1 MB the saves appended to the WAL into the database file
    await until(() => statSync(file).size > before + 500_000, "the database file holds the saves");
    await repo.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
