import { CONTRACT_SECRETS, secretBackendContract } from "@ferry/testkit";
import { createSqliteRepository } from "@ferry/repository-sqlite";
import type { Repository } from "@ferry/sdk";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMysqlTestDatabase, MYSQL_URL } from "../../../repository-backends/mysql/src/test-database.test-support.js";
import { createPostgresTestDatabase, POSTGRES_URL } from "../../../repository-backends/postgres/src/test-database.test-support.js";
import { createDatabaseSecretBackend, DatabaseSecretBackend } from "./database.secrets.js";

const KEY = Buffer.alloc(32, 7).toString("base64");
const OTHER_KEY = Buffer.alloc(32, 9).toString("base64");
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function sqliteRepository(): Promise<{ repository: Repository; file: string }> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-secrets-"));
  const file = join(dir, "ferry.db");
  const repository = createSqliteRepository({ type: "sqlite", path: file });
  await repository.init();
  cleanups.push(async () => {
    await repository.close();
    await rm(dir, { recursive: true, force: true });
  });
  return { repository, file };
}

/** a backend on a repository, holding the contract's secrets in `contract` (seen from contract.team) */
async function withContractSecrets(repository: Repository): Promise<DatabaseSecretBackend> {
  const backend = createDatabaseSecretBackend({ type: "database", key: KEY }, "/", { repository });
  await backend.init();
  for (const [name, value] of Object.entries(CONTRACT_SECRETS)) await backend.set("contract", name, value);
  return backend;
}

secretBackendContract("database on SQLite", async () => withContractSecrets((await sqliteRepository()).repository));

describe.skipIf(!POSTGRES_URL)("on PostgreSQL", () => {
  secretBackendContract("database on PostgreSQL", async () => {
    const db = await createPostgresTestDatabase();
    const { createPostgresRepository } = await import("@ferry/repository-postgres");
    const repository = createPostgresRepository({ type: "postgres", url: db.url });
    await repository.init();
    cleanups.push(async () => {
      await repository.close();
      await db.drop();
    });
    return withContractSecrets(repository);
  });
});

describe.skipIf(!MYSQL_URL)("on MariaDB", () => {
  secretBackendContract("database on MariaDB", async () => {
    const db = await createMysqlTestDatabase();
    const { createMysqlRepository } = await import("@ferry/repository-mysql");
    const repository = createMysqlRepository({ type: "mysql", url: db.url });
    await repository.init();
    cleanups.push(async () => {
      await repository.close();
      await db.drop();
    });
    return withContractSecrets(repository);
  });
});

describe("database secrets", () => {
  let repository: Repository;
  let file: string;
  beforeAll(async () => {
    ({ repository, file } = await sqliteRepository());
    const backend = new DatabaseSecretBackend(repository, KEY);
    await backend.init();
    await backend.set("company", "API_TOKEN", "tok-plain-text-value");
  });

  it("stores ciphertext only: the value is in no row and not in the database file", async () => {
    const rows = JSON.stringify(await repository.listSecrets());
    expect(rows).not.toContain("tok-plain-text-value");
    expect((await readFile(file)).includes(Buffer.from("tok-plain-text-value"))).toBe(false);
  });

  it("refuses to start with a key that does not open the stored secrets, and with a malformed key", async () => {
    await expect(new DatabaseSecretBackend(repository, OTHER_KEY).init()).rejects.toThrow(/secrets\.key: this key does not decrypt the stored secrets/);
    await expect(new DatabaseSecretBackend(repository, Buffer.alloc(16).toString("base64")).init()).rejects.toThrow(/secrets\.key: an AES-256 key is 32 bytes, this one is 16/);
    await expect(new DatabaseSecretBackend(repository, "not base64!").init()).rejects.toThrow(/secrets\.key: not base64/);
    expect(() => createDatabaseSecretBackend({ type: "database" }, "/", { repository })).toThrow();
  });

  it("does not answer a row moved to another secret's place", async () => {
    const backend = new DatabaseSecretBackend(repository, KEY);
    await backend.init();
    const stolen = (await repository.getSecret("company", "API_TOKEN"))!;
    await repository.saveSecret({ ...stolen, name: "MOVED" });
    await expect(backend.get("company", "MOVED")).rejects.toThrow("secret MOVED of namespace company cannot be decrypted");
    await repository.deleteSecret("company", "MOVED");
  });

  it("rotates the key all or nothing", async () => {
    const backend = new DatabaseSecretBackend(repository, KEY);
    await backend.init();
    await backend.set("company.team", "SECOND", "second value");
    // a row the current key cannot open: the rotation refuses, nothing changes
    await repository.saveSecret({ namespace: "company", name: "BROKEN", ciphertext: Buffer.alloc(40, 1).toString("base64"), updated: new Date().toISOString() });
    const before = await repository.listSecrets();
    await expect(backend.rotateKey(OTHER_KEY)).rejects.toThrow("secret BROKEN of namespace company cannot be decrypted with the current key; nothing was changed");
    expect(await repository.listSecrets()).toEqual(before);
    await repository.deleteSecret("company", "BROKEN");

    expect(await backend.rotateKey(OTHER_KEY)).toBe(2);
    await expect(new DatabaseSecretBackend(repository, KEY).init()).rejects.toThrow(/does not decrypt/);
    const rotated = new DatabaseSecretBackend(repository, OTHER_KEY);
    await rotated.init();
    expect(await rotated.get("company.team", "API_TOKEN")).toBe("tok-plain-text-value");
    expect(await rotated.get("company.team", "SECOND")).toBe("second value");
  });
});
