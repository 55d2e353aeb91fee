import { mkdtemp } from "node:fs/promises";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FERRY_BIN, runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const KEY = Buffer.alloc(32, 3).toString("base64");
const NEW_KEY = Buffer.alloc(32, 4).toString("base64");
const USES_SECRET = `id: uses-secret
namespace: it.secrets.team
tasks:
  - { id: say, type: core.Log, message: "token {{ secret('DB_TOKEN') }}" }
  - id: script
    type: script.Shell
    env: { TOKEN: "{{ secret('DB_TOKEN') }}" }
    commands:
      - echo "script sees $TOKEN"
`;

/** `ferry secrets set` with the value on stdin, as the README shows */
function setFromStdin(args: string[], value: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [FERRY_BIN, "secrets", "set", ...args]);
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code: code ?? -1, out }));
    child.stdin.end(`${value}\n`);
  });
}

describe("database secrets in a real ferry server local, through the CLI", () => {
  let ferry: FerryProcess;
  let cwd: string;
  const env = (key: string) => ({ FERRY_SECRETS__TYPE: "database", FERRY_SECRETS__KEY: key });
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), "ferry-it-secrets-"));
    ferry = await startFerryProcess({ cwd, env: env(KEY) });
  }, 60_000);
  afterAll(async () => ferry?.stop());

  it("sets from stdin, lists names only, resolves from child namespaces, masks the value in logs, deletes", async () => {
    expect(await setFromStdin(["it.secrets", "DB_TOKEN", "--server", ferry.url], "db-secret-value-42")).toEqual({ code: 0, out: "secret DB_TOKEN set in namespace it.secrets\n" });
    const list = await runCli(["secrets", "list", "it.secrets.team", "--server", ferry.url]);
    expect(list.stdout).toBe("DB_TOKEN\n");
    const listed = await (await fetch(`${ferry.url}/api/v1/namespaces/it.secrets.team/secrets`)).text();
    expect(listed).not.toContain("db-secret-value-42");

    await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", body: USES_SECRET, headers: { "content-type": "application/x-yaml" } });
    const run = await runCli(["execute", "it.secrets.team", "uses-secret", "--wait", "--server", ferry.url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("say: token ******");
    expect(run.stdout).toContain("script: script sees ******");
    expect(run.stdout).not.toContain("db-secret-value-42");

    const deleted = await runCli(["secrets", "delete", "it.secrets", "DB_TOKEN", "--server", ferry.url]);
    expect(deleted.stdout).toContain("secret DB_TOKEN deleted");
    const failed = await runCli(["execute", "it.secrets.team", "uses-secret", "--wait", "--server", ferry.url]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("secret DB_TOKEN not found in namespace it.secrets.team");
  }, 60_000);

  it("rotates the key all at once; the old key is then refused at start with one clear line", async () => {
    await setFromStdin(["it.secrets", "DB_TOKEN", "--server", ferry.url], "rotated-value-7");
    await ferry.stop();
    const rotate = await runCli(["secrets", "rotate-key", "--new-key", NEW_KEY], { cwd, env: env(KEY) });
    expect(rotate.stdout).toContain("1 secrets re-encrypted under the new key");

    const refused = await runCli(["server", "local"], { cwd, env: env(KEY) });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe("ferry: invalid configuration at secrets.key: this key does not decrypt the stored secrets (the key they were saved with is needed; change keys with 'ferry secrets rotate-key')");

    ferry = await startFerryProcess({ cwd, env: env(NEW_KEY) });
    const run = await runCli(["execute", "it.secrets.team", "uses-secret", "--wait", "--server", ferry.url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("say: token ******");
  }, 60_000);

  it("answers 405 JSON for writes when the backend is read-only (env)", async () => {
    const envFerry = await startFerryProcess();
    try {
      const put = await fetch(`${envFerry.url}/api/v1/namespaces/x/secrets/A`, { method: "PUT", body: "v" });
      expect(put.status).toBe(405);
      expect(((await put.json()) as { message: string }).message).toContain("read-only");
    } finally {
      await envFerry.stop();
    }
  }, 60_000);
});
