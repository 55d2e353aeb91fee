import type { SecretBackend } from "@ferry/sdk";
import { beforeAll, expect } from "vitest";
import { contractSuite, type Skips } from "./skips.js";

/** Secrets every implementation must hold before the contract runs (set through its own means). */
export const CONTRACT_SECRETS: Record<string, string> = {
  CONTRACT_PLAIN: "s3cr3t-value",
  CONTRACT_UNICODE: "pässwörd ✓ 日本",
  CONTRACT_LARGE: "x".repeat(64 * 1024),
};

/**
 * The secret-backend contract. `create` gives a backend already holding CONTRACT_SECRETS
 * visible from namespace `contract.team`.
 */
export function secretBackendContract(name: string, create: () => Promise<SecretBackend>, skips?: Skips): void {
  contractSuite(`secret backend contract: ${name}`, create, skips, (test, instance) => {
    let backend: SecretBackend;
    beforeAll(() => void (backend = instance()));

    test("get returns each value exactly (plain, unicode, 64 KiB)", async () => {
      for (const [k, v] of Object.entries(CONTRACT_SECRETS)) expect(await backend.get("contract.team", k)).toBe(v);
    });
    test("a missing secret is undefined", async () => {
      expect(await backend.get("contract.team", "CONTRACT_MISSING")).toBeUndefined();
    });
    test("a secret is seen from child namespaces; the closest namespace wins", async () => {
      expect(await backend.get("contract.team.deep.er", "CONTRACT_PLAIN")).toBe(CONTRACT_SECRETS.CONTRACT_PLAIN);
      if (!backend.set) return; // read-only backends (env) hold global secrets only
      await backend.set("contract", "CONTRACT_SHADOW", "from the parent");
      await backend.set("contract.team.deep", "CONTRACT_SHADOW", "from the child");
      expect(await backend.get("contract.team", "CONTRACT_SHADOW")).toBe("from the parent");
      expect(await backend.get("contract.team.deep.er", "CONTRACT_SHADOW")).toBe("from the child");
      expect(await backend.get("other", "CONTRACT_SHADOW")).toBeUndefined();
      expect(await backend.list("contract.team.deep")).toContain("CONTRACT_SHADOW");
      await backend.delete!("contract.team.deep", "CONTRACT_SHADOW");
      expect(await backend.get("contract.team.deep.er", "CONTRACT_SHADOW")).toBe("from the parent");
      await backend.delete!("contract", "CONTRACT_SHADOW");
    });
    test("writable backends set, replace and delete; read-only ones have neither set nor delete", async () => {
      if (!backend.set) {
        expect(backend.delete).toBeUndefined();
        return;
      }
      await backend.set("contract.team", "CONTRACT_WRITE", "first");
      await backend.set("contract.team", "CONTRACT_WRITE", "second ✓");
      expect(await backend.get("contract.team", "CONTRACT_WRITE")).toBe("second ✓");
      expect(await backend.delete!("contract.team", "CONTRACT_WRITE")).toBe(true);
      expect(await backend.delete!("contract.team", "CONTRACT_WRITE")).toBe(false);
      expect(await backend.get("contract.team", "CONTRACT_WRITE")).toBeUndefined();
    });
    test("list returns names only", async () => {
      const names = await backend.list("contract.team");
      for (const k of Object.keys(CONTRACT_SECRETS)) expect(names).toContain(k);
      for (const v of Object.values(CONTRACT_SECRETS)) expect(names).not.toContain(v);
    });
  });
}
