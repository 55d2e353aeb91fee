import { createSqliteRepository } from "@ferry/repository-sqlite";
import type { KvRecord, Repository } from "@ferry/sdk";
import { createLocalStorage } from "@ferry/storage-local";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KvStore } from "./kv-store.js";

/**
 * The KV store on a real SQLite repository and local storage. The metadata failure is
 * injected (saveKv made to throw once): a database that dies between two writes cannot be
 * arranged on demand otherwise.
 */
let dir: string;
let repository: Repository;
let failNextSave = false;
let kv: KvStore;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ferry-kv-"));
  repository = createSqliteRepository({ type: "sqlite", path: join(dir, "ferry.db") });
  await repository.init?.();
  const saveKv = repository.saveKv.bind(repository);
  repository.saveKv = async (record: KvRecord, options?: { ifValueUri?: string | null }) => {
    if (failNextSave) {
      failNextSave = false;
      throw new Error("injected: the database went away");
    }
    return saveKv(record, options);
  };
  const storage = createLocalStorage({ type: "local", path: join(dir, "storage") });
  await storage.init();
  kv = new KvStore(async () => repository, storage);
});
afterAll(async () => {
  await repository.close?.();
  await rm(dir, { recursive: true, force: true });
});

describe("KV store writes", () => {
  it("leaves the previous value and metadata when the metadata cannot be saved", async () => {
    await kv.set("kv.atomic", "config", { version: 1 });
    const before = await repository.getKv("kv.atomic", "config");
    failNextSave = true;
    await expect(kv.set("kv.atomic", "config", "now a string")).rejects.toThrow("injected");
    expect(await kv.get("kv.atomic", "config")).toEqual({ type: "JSON", value: { version: 1 } });
    expect(await repository.getKv("kv.atomic", "config")).toEqual(before);
  });

  it("leaves no value behind when a first write's metadata cannot be saved", async () => {
    failNextSave = true;
    await expect(kv.set("kv.atomic", "fresh", 1)).rejects.toThrow("injected");
    expect(await kv.get("kv.atomic", "fresh")).toBeUndefined();
    expect(await kv.list("kv.atomic")).toHaveLength(1);
  });

  it("keepExpiry keeps the pair's expiry through a new value (kv.Put); a plain set, or a new ttl, replaces it", async () => {
    const first = await kv.set("kv.keep", "pair", { a: 1 }, { ttl: "P1D" });
    expect(first.expires).toBeDefined();
    await kv.set("kv.keep", "pair", { a: 2 }, { keepExpiry: true });
    expect((await repository.getKv("kv.keep", "pair"))?.expires).toBe(first.expires);
    const renewed = await kv.set("kv.keep", "pair", { a: 3 }, { keepExpiry: true, ttl: "P2D" });
    expect(renewed.expires! > first.expires!).toBe(true);
    await kv.set("kv.keep", "pair", { a: 4 });
    expect((await repository.getKv("kv.keep", "pair"))?.expires ?? undefined).toBeUndefined();
  });
});
