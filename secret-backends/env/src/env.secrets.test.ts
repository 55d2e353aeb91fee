import { CONTRACT_SECRETS, secretBackendContract } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import { createEnvSecretBackend, EnvSecretBackend } from "./env.secrets.js";

const env = Object.fromEntries(Object.entries(CONTRACT_SECRETS).map(([k, v]) => [`SECRET_${k}`, Buffer.from(v).toString("base64")]));

secretBackendContract("env", async () => new EnvSecretBackend(env));

describe("env secrets", () => {
  it("are read-only", () => {
    const backend = new EnvSecretBackend(env);
    expect("set" in backend).toBe(false);
  });
  it("made from configuration, as the server makes it (options, baseDir), read this process's environment", async () => {
    process.env.SECRET_FROM_CONFIG = Buffer.from("configured ✓").toString("base64");
    try {
      expect(await createEnvSecretBackend({ type: "env" }, "/some/base/dir").get("any.namespace", "FROM_CONFIG")).toBe("configured ✓");
    } finally {
      delete process.env.SECRET_FROM_CONFIG;
    }
  });
});
