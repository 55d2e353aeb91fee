import { storageContract } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import backend, { AcmeStorage } from "./index.js";

// the suite every built-in storage (local, S3) runs: pass it and the server can rely on you
storageContract("acme", async () => new AcmeStorage());

describe("acme storage backend", () => {
  it("honours maxBytes and refuses options it does not know", async () => {
    const storage = await backend.create(backend.configSchema.parse({ maxBytes: 8 }), { baseDir: "." });
    await storage.put("a", "12345");
    await expect(storage.put("b", "12345")).rejects.toThrow("acme storage is full");
    expect(backend.configSchema.safeParse({ maxbytes: 8 }).success).toBe(false);
  });
});
