import { OperationalError, UserError } from "@ferry/sdk";
import { storageContract } from "@ferry/testkit";
import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
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
