import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { migrate } from "drizzle-orm/better-sqlite3/migrator";
import { cp, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { createSqliteRepository } from "./sqlite.repository.js";

const MIGRATIONS = resolve(dirname(fileURLToPath(import.meta.url)), "../drizzle");

/*
 * claims.pending_until (0013): a once-only start's claim whose execution is not yet created.
 * A row written before the column existed meant "claimed, its execution made": after the
 * migration it stays so (null), and is never taken over.
 */
it("a claim written before 0013_claim_pending keeps its meaning after it: used, never taken over", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ferry-claim-migration-"));
  // the migrations as they were before the column
  const before = join(dir, "drizzle");
  await cp(MIGRATIONS, before, { recursive: true });
  const journalPath = join(before, "meta/_journal.json");
  const journal = JSON.parse(await readFile(journalPath, "utf8")) as { entries: Array<{ tag: string }> };
  journal.entries = journal.entries.filter((e) => e.tag < "0013_claim_pending");
  await writeFile(journalPath, JSON.stringify(journal));
  const path = join(dir, "ferry.db");
  const old = new Database(path);
  migrate(drizzle(old), { migrationsFolder: before });
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  old.prepare("INSERT INTO claims (key, execution_id, expires) VALUES (?, ?, ?)").run("start/old", "oldholder", expires);
  old.close();

  const repository = createSqliteRepository({ type: "sqlite", path });
  await repository.init();
  try {
    const lease = new Date(Date.now() + 10_000).toISOString();
    expect(await repository.claimStart("start/old", "retry", expires, lease)).toEqual({ won: false, executionId: "oldholder" });
    // a new start's claim beside it is pending, and taken over once its lease passed
    expect(await repository.claimStart("start/new", "holder", expires, new Date(Date.now() - 1_000).toISOString())).toEqual({ won: true, executionId: "holder" });
    expect(await repository.claimStart("start/new", "retry", expires, lease)).toEqual({ won: true, executionId: "holder", takenOver: true });
  } finally {
    await repository.close?.();
  }
});
