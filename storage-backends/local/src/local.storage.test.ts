import { ConflictError, OperationalError, UserError } from "@ferry/sdk";
import { storageContract } from "@ferry/testkit";
import { existsSync, statSync } from "node:fs";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createLocalStorage, localStorageBackend, localStorageError } from "./local.storage.js";

storageContract("local", async () => createLocalStorage({ type: "local", path: await mkdtemp(join(tmpdir(), "ferry-storage-")) }));

describe("local storage: check and errors", () => {
  it("check() (config check --connect) passes for a folder to be made, creating nothing, and names storage.path below a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-storage-check-"));
    await localStorageBackend.check!({ path: "data/storage" }, { baseDir: dir });
    expect(existsSync(join(dir, "data"))).toBe(false);
    await writeFile(join(dir, "taken"), "a file");
    const error = await localStorageBackend.check!({ path: "taken/storage" }, { baseDir: dir }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(`invalid configuration at storage.path: ${join(dir, "taken")} is not a folder (the storage would live below it)`);
  });

  it("the file system failing under it (full, out of handles, denied) is an OperationalError; what it handles itself passes", () => {
    const fsError = (code: string) => Object.assign(new Error(`${code}: failed, write '/data/x'`), { code });
    for (const code of ["ENOSPC", "EMFILE", "EACCES", "EROFS", "EIO"]) expect(localStorageError(fsError(code))).toBeInstanceOf(OperationalError);
    expect(localStorageError(fsError("ENOENT"))).toBeUndefined();
    expect(localStorageError(new TypeError("a bug"))).toBeUndefined();
  });
});

describe("local storage's temporary files", () => {
  it("hides writes in progress from list, but not a file the user named *.tmp (Kestra's default extension)", async () => {
    const root = await mkdtemp(join(tmpdir(), "ferry-storage-"));
    const storage = createLocalStorage({ type: "local", path: root });
    await storage.init();
    await storage.put("a/report.tmp", "kept");
    await writeFile(join(root, "a", "other.txt.4242.7.tmp"), "half written");
    expect(await storage.list("a")).toEqual(["a/report.tmp"]);
  });
});

describe("local storage reads", () => {
  it("reads small files (synchronously) and large ones (through the thread pool) byte for byte; a folder or a missing key is no object", async () => {
    const storage = createLocalStorage({ type: "local", path: await mkdtemp(join(tmpdir(), "ferry-storage-")) });
    await storage.init();
    const bytes = (size: number) => Uint8Array.from({ length: size }, (_, i) => (i * 31 + size) % 251);
    for (const size of [0, 1, 64 * 1024, 64 * 1024 + 1, 300 * 1024]) {
      await storage.put(`sizes/${size}.bin`, bytes(size));
      expect(await storage.get(`sizes/${size}.bin`)).toEqual(bytes(size));
    }
    expect(await storage.get("sizes")).toBeUndefined();
    expect(await storage.get("sizes/none.bin")).toBeUndefined();
  });
});

describe("local storage's fresh puts (a key no reader knows yet)", () => {
  it("writes a new key in place, with no temporary file; an existing key is replaced by a new file (renamed into place), never written over", async () => {
    const root = await mkdtemp(join(tmpdir(), "ferry-storage-"));
    const storage = createLocalStorage({ type: "local", path: root });
    await storage.init();
    await storage.put("ns/flow/executions/e1/inputs.json", '{"name":"World"}', { fresh: true });
    expect(await readdir(join(root, "ns/flow/executions/e1"))).toEqual(["inputs.json"]);
    const before = statSync(join(root, "ns/flow/executions/e1/inputs.json")).ino;
    // a reader holding the old file keeps reading the old bytes: the replace is a new file
    await storage.put("ns/flow/executions/e1/inputs.json", "{}", { fresh: true });
    expect(statSync(join(root, "ns/flow/executions/e1/inputs.json")).ino).not.toBe(before);
    expect(new TextDecoder().decode(await storage.get("ns/flow/executions/e1/inputs.json"))).toBe("{}");
    expect(await readdir(join(root, "ns/flow/executions/e1"))).toEqual(["inputs.json"]);
  });

  it("makes the folder again after a purge removed it, and refuses a key below a file as a conflict", async () => {
    const root = await mkdtemp(join(tmpdir(), "ferry-storage-"));
    const storage = createLocalStorage({ type: "local", path: root });
    await storage.init();
    await storage.put("p/e2/trigger.json", "1", { fresh: true });
    // removed behind the storage's back (another process's purge): its folder cache is stale
    await rm(join(root, "p"), { recursive: true });
    await storage.put("p/e2/outputs.json", "2", { fresh: true });
    expect(await storage.list("p")).toEqual(["p/e2/outputs.json"]);
    await expect(storage.put("p/e2/outputs.json/below", "3", { fresh: true })).rejects.toBeInstanceOf(ConflictError);
    expect(await storage.deletePrefix("p/e2")).toBe(1);
    expect(await storage.get("p/e2/outputs.json")).toBeUndefined();
  });
});
