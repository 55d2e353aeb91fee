import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
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
    const run = await runCli(["execute", "it.secrets.team", "uses-secret", "--wait", "--logs", "--server", ferry.url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/"taskId":"say",.*"message":"token \*\*\*\*\*\*"/);
    expect(run.stdout).toMatch(/"taskId":"script",.*"message":"script sees \*\*\*\*\*\*"/);
    expect(run.stdout).not.toContain("db-secret-value-42");

    const deleted = await runCli(["secrets", "delete", "it.secrets", "DB_TOKEN", "--server", ferry.url]);
    expect(deleted.stdout).toContain("secret DB_TOKEN deleted");
    const failed = await runCli(["execute", "it.secrets.team", "uses-secret", "--wait", "--logs", "--server", ferry.url]);
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
    const run = await runCli(["execute", "it.secrets.team", "uses-secret", "--wait", "--logs", "--server", ferry.url]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/"taskId":"say",.*"message":"token \*\*\*\*\*\*"/);
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

/** every file under a folder, read as bytes (the database file, the storage folder) */
async function allBytes(dir: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(await readFile(join(entry.parentPath, entry.name)));
  }
  return out;
}

describe("a flow that tries to leak a secret", () => {
  const SECRET = "leak-me-if-you-can-8472";
  const PASSWORD = "input-password-5521";
  let ferry: FerryProcess;
  let echo: Server;
  let echoUrl: string;
  beforeAll(async () => {
    // an HTTP service that answers with the Authorization header it was sent
    echo = createServer((req, res) => res.end(`you sent ${req.headers.authorization}`));
    await new Promise<void>((r) => echo.listen(0, "127.0.0.1", r));
    echoUrl = `http://127.0.0.1:${(echo.address() as { port: number }).port}/`;
    ferry = await startFerryProcess({ env: { SECRET_LEAKY: Buffer.from(SECRET).toString("base64") } });
  }, 60_000);
  afterAll(async () => {
    await ferry?.stop();
    echo?.close();
  });

  it("leaves the value (and a SECRET input's) in no API answer, log, stored output, database row or storage file", async () => {
    const flow = `id: leaky
namespace: it.leaks
inputs:
  - { id: password, type: SECRET }
tasks:
  - { id: log, type: core.Log, message: "the secret is {{ secret('LEAKY') }}, the password {{ inputs.password }}" }
  - { id: out, type: core.Return, format: "{{ secret('LEAKY') }}" }
  - id: values
    type: core.OutputValues
    values: { nested: { list: ["{{ secret('LEAKY') }}"] } }
  - id: http
    type: core.http.Request
    uri: ${echoUrl}
    headers: { Authorization: "Bearer {{ secret('LEAKY') }}" }
  - { id: fail, type: core.Fail, errorMessage: "failing with {{ secret('LEAKY') }} inside" }
outputs:
  - { id: leaked, type: STRING, value: "{{ outputs.out.value }}" }
`;
    expect((await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", body: flow, headers: { "content-type": "application/x-yaml" } })).status).toBe(200);
    const ended = await (
      await fetch(`${ferry.url}/api/v1/executions/it.leaks/leaky?wait=true`, { method: "POST", body: JSON.stringify({ password: PASSWORD }), headers: { "content-type": "application/json" } })
    ).text();
    const id = (JSON.parse(ended) as { id: string; state: { current: string } }).id;
    expect(JSON.parse(ended).state.current).toBe("FAILED");
    const answers = [
      ended,
      await (await fetch(`${ferry.url}/api/v1/executions/${id}`)).text(),
      await (await fetch(`${ferry.url}/api/v1/executions/search?namespace=it.leaks`)).text(),
      await (await fetch(`${ferry.url}/api/v1/logs/${id}`)).text(),
      await (await fetch(`${ferry.url}/api/v1/logs/${id}/follow`)).text(),
      await (await fetch(`${ferry.url}/api/v1/executions/${id}/follow`)).text(),
    ];
    for (const answer of answers) {
      expect(answer).not.toContain(SECRET);
      expect(answer).not.toContain(PASSWORD);
    }
    expect(JSON.parse(answers[1]).inputs).toEqual({ password: "******" });
    const logs = JSON.parse(answers[3]) as Array<{ message: string }>;
    expect(logs.map((l) => l.message)).toEqual(expect.arrayContaining(["the secret is ******, the password ******", "failing with ****** inside"]));
    const execution = JSON.parse(answers[1]) as { taskRunList: Array<{ taskId: string; outputs: any }> };
    expect(execution.taskRunList.find((t) => t.taskId === "http")!.outputs.body).toBe("you sent Bearer ******");
    expect(execution.taskRunList.find((t) => t.taskId === "out")!.outputs.value).toBe("******");
    for (const bytes of await allBytes(join(ferry.cwd, ".ferry"))) {
      expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
      expect(bytes.includes(Buffer.from(PASSWORD))).toBe(false);
    }
  }, 60_000);
});
