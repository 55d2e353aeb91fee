import { AesGcm } from "@ferry/sdk";
import { describe, expect, it } from "vitest";
import { ENCRYPTED_TYPE, maskSecretInputs, openSecretInputs, sealSecretInputs } from "./secret-inputs.js";

const specs = [
  { id: "password", type: "SECRET" as const },
  { id: "name", type: "STRING" as const },
];

describe("SECRET inputs", () => {
  it("are sealed for storage, opened for a task (reported for masking), shown as ****** in answers", async () => {
    const key = await AesGcm.fromBase64(Buffer.alloc(32, 5).toString("base64"));
    const sealed = await sealSecretInputs(specs, { password: "hunter2-xyz", name: "Ada" }, "exec-1", key);
    expect(sealed.name).toBe("Ada");
    expect(sealed.password).toMatchObject({ type: ENCRYPTED_TYPE });
    expect(JSON.stringify(sealed)).not.toContain("hunter2-xyz");
    const revealed: string[] = [];
    expect(await openSecretInputs(sealed, "exec-1", key, (v) => revealed.push(v))).toEqual({ password: "hunter2-xyz", name: "Ada" });
    expect(revealed).toEqual(["hunter2-xyz"]);
    expect(maskSecretInputs(sealed)).toEqual({ password: "******", name: "Ada" });
    // bound to its execution: a sealed value copied into another execution does not open
    await expect(openSecretInputs(sealed, "exec-2", key, () => undefined)).rejects.toThrow("SECRET input 'password' does not decrypt");
  });

  it("seal a text input holding a value secret() gave, and say so where no key is configured", async () => {
    const key = await AesGcm.fromBase64(Buffer.alloc(32, 5).toString("base64"));
    const revealed = new Set(["tok-123"]);
    const sealed = await sealSecretInputs(specs, { password: "p", name: "Bearer tok-123" }, "exec-1", key, revealed);
    expect(JSON.stringify(sealed)).not.toContain("tok-123");
    expect(maskSecretInputs(sealed)).toEqual({ password: "******", name: "******" });
    expect(await openSecretInputs(sealed, "exec-1", key, () => undefined)).toEqual({ password: "p", name: "Bearer tok-123" });
    await expect(sealSecretInputs([specs[1]], { name: "tok-123" }, "e", undefined, revealed)).rejects.toMatchObject({
      status: 422,
      message: "input 'name' holds a secret() value: this server has no encryption.key to store it encrypted",
    });
  });

  it("are refused (422) where no key is configured, and a worker without the key says so", async () => {
    await expect(sealSecretInputs(specs, { password: "p", name: "n" }, "e", undefined)).rejects.toMatchObject({ status: 422, message: "input 'password' is SECRET: this server has no encryption.key to store it encrypted" });
    const key = await AesGcm.fromBase64(Buffer.alloc(32, 5).toString("base64"));
    const sealed = await sealSecretInputs(specs, { password: "p", name: "n" }, "e", key);
    await expect(openSecretInputs(sealed, "e", undefined, () => undefined)).rejects.toThrow("give this worker the server's encryption.key");
  });
});
