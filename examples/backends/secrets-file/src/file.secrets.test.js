// @ts-check
import { CONTRACT_SECRETS, secretBackendContract } from "@ferry/testkit";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import backend from "./index.js";

/** @param {string} name @param {string} content */
async function fileWith(name, content) {
  const dir = await mkdtemp(join(tmpdir(), "ferry-secrets-file-"));
  await writeFile(join(dir, name), content);
  return dir;
}

/** the backend as configuration makes it: `{ type: …, path }` relative to the configuration's folder @param {string} dir @param {string} path */
const configured = (dir, path) => backend.create(backend.configSchema.parse({ path }), { baseDir: dir });

// the same suite every built-in secret backend runs: the contract is the proof
secretBackendContract("file (JSON)", async () => configured(await fileWith("secrets.json", JSON.stringify({ secrets: CONTRACT_SECRETS })), "secrets.json"));

describe("secrets file", () => {
  it("reads YAML, namespaces seen by their children before the global secrets", async () => {
    const dir = await fileWith("s.yaml", "secrets:\n  TOKEN: global\n  PORT: 5432\nnamespaces:\n  company.team:\n    TOKEN: team\n");
    const secrets = await configured(dir, "s.yaml");
    await secrets.init?.();
    expect(await secrets.get("company.team.deep", "TOKEN")).toBe("team");
    expect(await secrets.get("company", "TOKEN")).toBe("global");
    expect(await secrets.get("company", "PORT")).toBe("5432");
    expect(await secrets.list("company.team")).toEqual(["PORT", "TOKEN"]);
  });

  it("refuses a file it cannot read or understand, without quoting its values", async () => {
    const dir = await fileWith("bad.yaml", "secret:\n  TOKEN: do-not-print-me\n");
    await expect((await configured(dir, "bad.yaml")).init?.()).rejects.toThrow(`secrets file ${join(dir, "bad.yaml")} at (root): unknown key 'secret' (known: secrets, namespaces)`);
    await expect((await configured(dir, "missing.json")).init?.()).rejects.toThrow(/^invalid configuration at secrets.path: cannot read .*missing.json/);
    await writeFile(join(dir, "broken.json"), '{"secrets": {"TOKEN": "do-not-print-me"');
    await expect(backend.check?.({ path: "broken.json" }, { baseDir: dir })).rejects.toThrow(`secrets file ${join(dir, "broken.json")} is not valid JSON`);
    expect(backend.configSchema.safeParse({ file: "x.json" }).success).toBe(false);
  });
});
