import { describe, expect, it } from "vitest";
import { configSchema } from "./config.schema.js";
import { redactConfig } from "./redact.js";

describe("redactConfig", () => {
  it("hides credentials and URL passwords, keeps the rest", () => {
    const config = configSchema.parse({
      server: { auth: { basic: [{ username: "ada", password: "correct horse" }], tokens: ["robot-token-0123456789"] } },
      repository: { type: "postgres", url: "postgres://ferry:pg-pass@db:5432/ferry" },
      secrets: { type: "vault", url: "https://vault:8200", token: "s.vault", appRole: { roleId: "r", secretId: "sid" } },
      encryption: { key: "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=" },
    });
    const shown = JSON.stringify(redactConfig(config));
    for (const secret of ["correct horse", "robot-token-0123456789", "pg-pass", "s.vault", "sid", "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc="]) expect(shown).not.toContain(secret);
    expect(redactConfig(config)).toMatchObject({
      server: { host: "127.0.0.1", auth: { basic: [{ username: "ada", password: "******" }], tokens: ["******"] } },
      repository: { url: "postgres://ferry:******@db:5432/ferry" },
      secrets: { url: "https://vault:8200", appRole: { roleId: "r", secretId: "******" } },
    });
  });
});
