import { CONTRACT_SECRETS, secretBackendContract } from "@ferry/testkit";
import { describe, expect, it } from "vitest";
import { createEnvSecretBackend } from "./env.secrets.js";

const env = Object.fromEntries(Object.entries(CONTRACT_SECRETS).map(([k, v]) => [`SECRET_${k}`, Buffer.from(v).toString("base64")]));

secretBackendContract("env", async () => createEnvSecretBackend({ type: "env" }, env));

describe("env secrets", () => {
  it("are read-only", () => {
    const backend = createEnvSecretBackend({ type: "env" }, env);
    expect("set" in backend).toBe(false);
  });
});
