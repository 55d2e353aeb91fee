import { CONTRACT_SECRETS, secretBackendContract } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import backend, { AcmeSecretBackend } from "./index.js";

// the suite every built-in secret backend (env, database, Vault) runs: pass it and the server can rely on you
secretBackendContract("acme", async () => new AcmeSecretBackend("CONTRACT_", Object.fromEntries(Object.entries(CONTRACT_SECRETS).map(([k, v]) => [`CONTRACT_${k}`, v]))));

describe("acme secret backend", () => {
  it("reads <prefix><NAME>, and refuses options it does not know", async () => {
    const secrets = await backend.create(backend.configSchema.parse({ prefix: "ACME_TEST_" }), { baseDir: "." });
    process.env.ACME_TEST_TOKEN = "t0ken";
    expect(await secrets.get("company.team", "TOKEN")).toBe("t0ken");
    expect(await secrets.list("company")).toContain("TOKEN");
    expect(backend.configSchema.safeParse({ prefx: "X_" }).success).toBe(false);
    expect(backend.configSchema.safeParse({ prefix: "not a name" }).success).toBe(false);
  });
});
