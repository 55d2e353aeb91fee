import { repositoryContract } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import backend, { AcmeRepository } from "./index.js";

// the suite every built-in repository (SQLite, PostgreSQL, MySQL) runs: pass it and the server can rely on you
repositoryContract("acme", async () => new AcmeRepository());

describe("acme repository backend", () => {
  it("is a repository backend that refuses options it does not know", async () => {
    expect(backend.kind).toBe("repository");
    expect(backend.configSchema.safeParse({}).success).toBe(true);
    expect(backend.configSchema.safeParse({ url: "typo" }).success).toBe(false);
    expect(await backend.create({}, { baseDir: "." })).toBeInstanceOf(AcmeRepository);
  });
});
