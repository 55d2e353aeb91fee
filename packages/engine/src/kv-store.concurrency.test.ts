import { createMysqlRepository } from "@ferry/repository-mysql";
import { createPostgresRepository } from "@ferry/repository-postgres";
import { createSqliteRepository } from "@ferry/repository-sqlite";
import { storageKeyOf, type Repository } from "@ferry/sdk";
import { createLocalStorage } from "@ferry/storage-local";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlTestDatabase, MYSQL_URL } from "../../../repository-backends/mysql/src/test-database.test-support.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../../repository-backends/postgres/src/test-database.test-support.js";
import { KvStore } from "./kv-store.js";

const WRITERS = 20;

/** each repository the KV store runs on, with its own fresh database, and local storage */
const TARGETS: Array<{ name: string; enabled: boolean; create(dir: string): Promise<{ repository: Repository; drop(): Promise<void> }> }> = [
  { name: "SQLite", enabled: true, create: async (dir) => ({ repository: createSqliteRepository({ type: "sqlite", path: join(dir, "ferry.db") }), drop: async () => undefined }) },
  {
    name: "PostgreSQL",
    enabled: !!POSTGRES_URL,
    create: async () => {
      const db = await createPostgresTestDatabase();
      return { repository: createPostgresRepository({ type: "postgres", url: db.url }), drop: db.drop };
    },
  },
  {
    name: "MariaDB",
    enabled: !!MYSQL_URL,
    create: async () => {
      const db = await createMysqlTestDatabase();
      return { repository: createMysqlRepository({ type: "mysql", url: db.url }), drop: db.drop };
    },
  },
];

for (const target of TARGETS) {
  describe.skipIf(!target.enabled)(`KV store, 20 concurrent writers: ${target.name}`, () => {
    let dir: string;
    let repository: Repository;
    let drop: () => Promise<void>;
    let storage: ReturnType<typeof createLocalStorage>;
    let kv: KvStore;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "ferry-kv-race-"));
      ({ repository, drop } = await target.create(dir));
      await repository.init?.();
      storage = createLocalStorage({ type: "local", path: join(dir, "storage") });
      await storage.init();
      kv = new KvStore(async () => repository, storage);
    });
    afterAll(async () => {
      await repository?.close?.();
      await drop?.();
      await rm(dir, { recursive: true, force: true });
    });

    /** the key's stored bytes: exactly the one version its metadata points at, none left over */
    async function expectOneVersion(namespace: string, key: string) {
      const record = await repository.getKv(namespace, key);
      const versions = await storage.list(`${namespace.replace(/\./g, "/")}/_kv/@versions/${key}/`);
      expect(versions).toEqual([storageKeyOf(record!.valueUri)]);
    }

    it("first writes of one key: every one answers, the key holds one of their values, readable, one version stored", async () => {
      const results = await Promise.allSettled(Array.from({ length: WRITERS }, (_, i) => kv.set("kv.race", "first", { writer: i })));
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      const got = await kv.get("kv.race", "first");
      expect(got?.type).toBe("JSON");
      expect(Array.from({ length: WRITERS }, (_, i) => i)).toContain((got?.value as { writer: number }).writer);
      expect((await kv.list("kv.race", "first")).map((r) => r.key)).toEqual(["first"]);
      await expectOneVersion("kv.race", "first");
    });

    it("updates of one key while readers read it: none fails, readers always find a value, one version stored", async () => {
      await kv.set("kv.race", "upd", "start");
      const written = new Set(["start", ...Array.from({ length: WRITERS }, (_, i) => `v${i}`)]);
      const reads: unknown[] = [];
      const results = await Promise.allSettled([
        ...Array.from({ length: WRITERS }, (_, i) => kv.set("kv.race", "upd", `v${i}`)),
        ...Array.from({ length: WRITERS }, async () => reads.push((await kv.get("kv.race", "upd"))?.value)),
      ]);
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      // a reader sees the value before or after some write, never a missing one
      for (const value of reads) expect(written).toContain(value);
      const final = (await kv.get("kv.race", "upd"))?.value as string;
      expect(written).toContain(final);
      expect(final).not.toBe("start");
      await expectOneVersion("kv.race", "upd");
    });

    it("create-only writes of one key: one lands, the others answer 409", async () => {
      const results = await Promise.allSettled(Array.from({ length: WRITERS }, (_, i) => kv.set("kv.race", "once", i, { overwrite: false })));
      const landed = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
      expect(landed).toHaveLength(1);
      for (const r of results) if (r.status === "rejected") expect((r.reason as { status?: number }).status).toBe(409);
      expect((await kv.get("kv.race", "once"))?.value).toBe(landed[0]);
      await expectOneVersion("kv.race", "once");
    });

    it("deletes racing writes of one key: none fails, and what stays is consistent (no metadata without bytes, no bytes without metadata)", async () => {
      await kv.set("kv.race", "del", "start");
      const results = await Promise.allSettled(Array.from({ length: WRITERS }, (_, i) => (i % 2 ? kv.delete("kv.race", "del") : kv.set("kv.race", "del", `v${i}`))));
      expect(results.filter((r) => r.status === "rejected")).toEqual([]);
      const record = await repository.getKv("kv.race", "del");
      const versions = await storage.list("kv/race/_kv/@versions/del/");
      if (record) {
        expect(versions).toEqual([storageKeyOf(record.valueUri)]);
        expect((await kv.get("kv.race", "del"))?.value).toMatch(/^v\d+$/);
      } else expect(versions).toEqual([]);
    });
  });
}
