// @ts-check
import { storageContract } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import backend, { MemoryStorage } from "./index.js";

// the same suite every built-in storage runs: the contract is the proof
storageContract("memory (example)", async () => new MemoryStorage());

describe("memory storage options", () => {
  it("refuses a put that would pass maxBytes, and counts what a replace or delete frees", async () => {
    const storage = await backend.create(backend.configSchema.parse({ maxBytes: 10 }), { baseDir: "/" });
    await storage.put("a", "123456");
    await expect(storage.put("b", "12345")).rejects.toThrow("memory storage is full: 'b' (5 bytes) would hold 11 bytes, more than maxBytes 10");
    await storage.put("a", "1234");
    await storage.put("b", "123456");
    await storage.delete("a");
    await storage.put("c", "1234");
    expect(await storage.list("")).toEqual(["b", "c"]);
  });

  it("refuses options it does not know and values of the wrong type", () => {
    expect(backend.configSchema.safeParse({ maxbytes: 10 }).success).toBe(false);
    expect(backend.configSchema.safeParse({ maxBytes: "lots" }).success).toBe(false);
    expect(backend.configSchema.safeParse({}).success).toBe(true);
  });
});
