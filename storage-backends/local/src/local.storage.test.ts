import { storageContract } from "@ferry/testkit";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLocalStorage } from "./local.storage.js";
import { describe, expect, it } from "vitest";

storageContract("local", async () => createLocalStorage({ type: "local", path: await mkdtemp(join(tmpdir(), "ferry-storage-")) }));

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
