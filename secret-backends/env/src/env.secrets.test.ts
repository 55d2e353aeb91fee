import { CONTRACT_SECRETS, secretBackendContract } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import { createEnvSecretBackend, EnvSecretBackend } from "./env.secrets.js";

const env = Object.fromEntries(Object.entries(CONTRACT_SECRETS).map(([k, v]) => [`SECRET_${k}`, Buffer.from(v).toString("base64")]));

secretBackendContract("env", async () => new EnvSecretBackend(env));

describe("env secrets", () => {
  it("upper-case the name, as Kestra's SecretService does: secret('my_secret') reads SECRET_MY_SECRET", async () => {
    // core/src/main/java/io/kestra/core/secret/SecretService.java: decodedSecrets keyed by the upper-cased name, looked up with key.toUpperCase()
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const backend = new EnvSecretBackend({ SECRET_MY_SECRET: b64("upper"), SECRET_lower_env: b64("from a lower-case variable"), SECRET_WRAPPED: `${b64("wrapped value").slice(0, 8)}\n${b64("wrapped value").slice(8)}` });
    expect(await backend.get("any", "my_secret")).toBe("upper");
    expect(await backend.get("any", "My_Secret")).toBe("upper");
    expect(await backend.get("any", "LOWER_ENV")).toBe("from a lower-case variable");
    expect(await backend.get("any", "wrapped")).toBe("wrapped value");
    expect(await backend.get("any", "missing")).toBeUndefined();
    expect(await backend.list("any")).toEqual(["LOWER_ENV", "MY_SECRET", "WRAPPED"]);
  });
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
