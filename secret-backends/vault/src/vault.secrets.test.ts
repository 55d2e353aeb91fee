import { isUnavailable, OperationalError } from "@ferry/sdk";
import { CONTRACT_SECRETS, secretBackendContract } from "@ferry/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeVault } from "@ferry/testkit/fake-vault";
import { createVaultSecretBackend, VaultSecretBackend } from "./vault.secrets.js";

const fake = await new FakeVault().start();
afterAll(async () => fake.stop());

/** a backend holding the contract's secrets in namespace `contract` (seen from contract.team) */
async function withContractSecrets(options: Record<string, unknown>): Promise<VaultSecretBackend> {
  const backend = createVaultSecretBackend({ type: "vault", cacheTtl: "PT0S", ...options });
  await backend.init();
  for (const [name, value] of Object.entries(CONTRACT_SECRETS)) await backend.set("contract", name, value);
  return backend;
}

secretBackendContract("vault (fake Vault server, token auth)", () => withContractSecrets({ url: fake.url, token: fake.rootToken }));
secretBackendContract("vault (fake Vault server, AppRole auth)", () => withContractSecrets({ url: fake.url, appRole: { roleId: fake.role.roleId, secretId: fake.role.secretId }, pathPrefix: "approle-run" }));

// the real thing, when a container engine answers (never on the team's machines: no Docker there)
const { GenericContainer, getContainerRuntimeClient, Wait } = await import("testcontainers");
const engine = await getContainerRuntimeClient().then(
  () => true,
  () => false,
);
if (!engine) console.warn("\n*** SKIPPING the real-Vault run of the secret-backend contract: no container engine answers (testcontainers) ***\n");
describe.skipIf(!engine)("on a real Vault (testcontainers)", () => {
  let stop: () => Promise<unknown> = async () => undefined;
  let url = "";
  beforeAll(async () => {
    const container = await new GenericContainer("hashicorp/vault:1.17")
      .withEnvironment({ VAULT_DEV_ROOT_TOKEN_ID: "ferry-root" })
      .withExposedPorts(8200)
      .withWaitStrategy(Wait.forHttp("/v1/sys/health", 8200))
      .start();
    url = `http://${container.getHost()}:${container.getMappedPort(8200)}`;
    stop = () => container.stop();
  }, 120_000);
  afterAll(async () => stop());
  secretBackendContract("vault (real Vault dev server)", () => withContractSecrets({ url, token: "ferry-root" }));
});

describe("vault secrets", () => {
  it("keeps each secret at <mount>/data/<pathPrefix>/<namespace as path>/<NAME> as { value }", async () => {
    const backend = await withContractSecrets({ url: fake.url, token: fake.rootToken, pathPrefix: "layout" });
    await backend.set("company.team", "API_TOKEN", "t-1");
    expect(fake.stored("layout/company/team/API_TOKEN")).toEqual({ value: "t-1" });
    await backend.set("company.team", "API_TOKEN", "t-2");
    const v1 = await fetch(`${fake.url}/v1/secret/data/layout/company/team/API_TOKEN?version=1`, { headers: { "x-vault-token": fake.rootToken } });
    expect(((await v1.json()) as { data: { data: unknown } }).data.data).toEqual({ value: "t-1" });
    expect(await backend.get("company.team.x", "API_TOKEN")).toBe("t-2");
  });

  it("refuses to start with a token or AppRole Vault rejects, naming the configuration key", async () => {
    await expect(createVaultSecretBackend({ type: "vault", url: fake.url, token: "wrong" }).init()).rejects.toThrow(
      "invalid configuration at secrets.token: Vault refused the credentials (403: permission denied)",
    );
    await expect(createVaultSecretBackend({ type: "vault", url: fake.url, appRole: { roleId: "ferry-role", secretId: "wrong" } }).init()).rejects.toThrow(
      "invalid configuration at secrets.appRole: Vault refused the credentials (400: invalid role or secret ID)",
    );
    expect(() => createVaultSecretBackend({ type: "vault", url: fake.url })).toThrow();
  });

  it("renews an AppRole token before its lease ends", async () => {
    const backend = await withContractSecrets({ url: fake.url, appRole: { roleId: fake.role.roleId, secretId: fake.role.secretId }, pathPrefix: "renewal" });
    const before = fake.renewals;
    await new Promise((r) => setTimeout(r, 4500)); // the lease is 3 s: renewed at 2 s and again at 4 s
    expect(fake.renewals).toBeGreaterThan(before);
    expect(await backend.get("contract.team", "CONTRACT_PLAIN")).toBe(CONTRACT_SECRETS.CONTRACT_PLAIN);
    await backend.close();
  }, 10_000);

  it("caches reads for cacheTtl", async () => {
    const a = createVaultSecretBackend({ type: "vault", url: fake.url, token: fake.rootToken, pathPrefix: "cache", cacheTtl: "PT1M" });
    const b = createVaultSecretBackend({ type: "vault", url: fake.url, token: fake.rootToken, pathPrefix: "cache", cacheTtl: "PT0S" });
    await Promise.all([a.init(), b.init()]);
    await b.set("ns", "K", "one");
    expect(await a.get("ns", "K")).toBe("one");
    await b.set("ns", "K", "two");
    expect(await a.get("ns", "K")).toBe("one");
    expect(await b.get("ns", "K")).toBe("two");
  });

  it("out of reach is an operational error (retryable), naming Vault, never a value", async () => {
    const gone = createVaultSecretBackend({ type: "vault", url: "http://127.0.0.1:9", token: "x" });
    const error = await gone.get("ns", "K").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationalError);
    expect(isUnavailable(error)).toBe(true);
    expect((error as Error).message).toMatch(/^Vault at http:\/\/127\.0\.0\.1:9 is out of reach/);
  });
});
