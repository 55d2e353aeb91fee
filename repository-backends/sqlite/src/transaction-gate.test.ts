import Database from "better-sqlite3";
import { drizzle } from "drizzle-orm/better-sqlite3";
import { sqliteTable, text } from "drizzle-orm/sqlite-core";
import { beforeEach, describe, expect, it } from "vitest";
import { TransactionGate } from "./transaction-gate.js";

const notes = sqliteTable("notes", { id: text("id").primaryKey() });

describe("TransactionGate", () => {
  let sqlite: Database.Database;
  let gate: TransactionGate;
  let direct: ReturnType<typeof drizzle>;
  beforeEach(() => {
    sqlite = new Database(":memory:");
    sqlite.exec("create table notes (id text primary key)");
    gate = new TransactionGate(sqlite);
    direct = drizzle(sqlite);
  });
  const ids = () => (sqlite.prepare("select id from notes order by id").all() as Array<{ id: string }>).map((r) => r.id);

  it("commits what an async body wrote across awaits", async () => {
    await gate.run(async () => {
      await direct.insert(notes).values({ id: "a" });
      await new Promise((resolve) => setTimeout(resolve, 5));
      await direct.insert(notes).values({ id: "b" });
    });
    expect(ids()).toEqual(["a", "b"]);
    expect(sqlite.inTransaction).toBe(false);
  });

  it("rolls back what the body wrote when it throws, and rethrows", async () => {
    const failing = gate.run(async () => {
      await direct.insert(notes).values({ id: "a" });
      throw new Error("no");
    });
    await expect(failing).rejects.toThrow("no");
    expect(ids()).toEqual([]);
  });

  it("holds a statement from outside until the open transaction ends, so its rollback cannot undo it", async () => {
    const gated = gate.gated(direct);
    let release!: () => void;
    const body = gate.run(async () => {
      await direct.insert(notes).values({ id: "inside" });
      await new Promise<void>((resolve) => (release = resolve));
      throw new Error("rolled back");
    });
    const outside = gated.insert(notes).values({ id: "outside" }).then(() => ids());
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(ids()).toEqual(["inside"]);
    release();
    await expect(body).rejects.toThrow("rolled back");
    expect(await outside).toEqual(["outside"]);
  });

  it("runs transactions one at a time", async () => {
    const order: string[] = [];
    const one = (name: string) =>
      gate.run(async () => {
        order.push(`${name} begins`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(`${name} ends`);
      });
    await Promise.all([one("a"), one("b")]);
    expect(order).toEqual(["a begins", "a ends", "b begins", "b ends"]);
  });

  it("runs synchronous statements (whenIdle) at once when no transaction is open", async () => {
    let ran = false;
    const done = gate.whenIdle(() => (ran = true));
    expect(ran).toBe(true);
    await done;
  });
});
