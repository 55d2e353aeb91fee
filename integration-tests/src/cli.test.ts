import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const GOOD = `id: greet
namespace: cli.test
inputs:
  - { id: who, type: STRING, defaults: World }
tasks:
  - { id: say, type: core.Return, format: "Hello {{ inputs.who }}" }
  - { id: log, type: core.Log, message: "{{ outputs.say.value }}" }
outputs:
  - { id: greeting, type: STRING, value: "{{ outputs.say.value }}" }
`;
const BAD = `id: broken
namespace: cli.test
tasks:
  - id: ok
    type: core.Log
    message: fine
  - id: nap
    type: core.Sleep
    duration: forever
`;

describe("the ferry CLI", () => {
  let ferry: FerryProcess;
  let dir: string;
  beforeAll(async () => {
    ferry = await startFerryProcess();
    dir = await mkdtemp(join(tmpdir(), "ferry-cli-"));
    await mkdir(join(dir, "good"));
    await mkdir(join(dir, "mixed"));
    await writeFile(join(dir, "good/greet.yaml"), GOOD);
    await writeFile(join(dir, "mixed/greet.yaml"), GOOD.replace("id: greet", "id: other"));
    await writeFile(join(dir, "mixed/broken.yml"), BAD);
  });
  afterAll(async () => ferry?.stop());

  it("flow validate prints file:line for each problem and exits non-zero", async () => {
    const r = await runCli(["flow", "validate", join(dir, "mixed")], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("mixed/broken.yml:9: tasks[1].duration: expected an ISO-8601 duration");
    expect(r.stdout).toContain("1 valid, 1 invalid");
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it("flow validate refuses a typo and a property Ferry does not honour, each at its file:line", async () => {
    await mkdir(join(dir, "strict"));
    await writeFile(join(dir, "strict/strict.yaml"), "id: strict\nnamespace: cli.test\nconcurrency:\n  limit: 1\n  queueSize: 2\ntasks:\n  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: hi\n    levle: WARN\n");
    const r = await runCli(["flow", "validate", join(dir, "strict")], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("strict/strict.yaml:10: tasks[0].levle: unknown property 'levle'");
    expect(r.stderr).toContain("strict/strict.yaml:5: concurrency.queueSize: not supported by Ferry yet: concurrency.queueSize");
  }, 120_000);

  it("flow deploy applies nothing when one file is invalid", async () => {
    const r = await runCli(["flow", "deploy", join(dir, "mixed"), "--server", ferry.url], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken.yml:9/);
    expect((await fetch(`${ferry.url}/api/v1/flows/cli.test/other`)).status).toBe(404);
  }, 120_000);

  it("flow deploy creates, then leaves unchanged flows at their revision", async () => {
    const first = await runCli(["flow", "deploy", join(dir, "good"), "--server", ferry.url]);
    expect(first.stdout).toContain("1 created, 0 updated, 0 unchanged");
    const again = await runCli(["flow", "deploy", join(dir, "good")], { env: { FERRY_SERVER_URL: ferry.url } });
    expect(again.stdout).toContain("0 created, 0 updated, 1 unchanged");
  }, 120_000);

  it("flow deploy --dry-run prints the plan and changes nothing; --prune deletes the touched namespace's other flows", async () => {
    const gitops = await mkdtemp(join(tmpdir(), "ferry-gitops-"));
    const flowIn = (id: string, message: string) => `id: ${id}\nnamespace: cli.gitops\ntasks:\n  - { id: log, type: core.Log, message: "${message}" }\n`;
    await writeFile(join(gitops, "a.yaml"), flowIn("a", "one"));
    await writeFile(join(gitops, "b.yaml"), flowIn("b", "one"));
    await writeFile(join(gitops, "c.yaml"), flowIn("c", "one"));
    expect((await runCli(["flow", "deploy", gitops, "--server", ferry.url])).stdout).toContain("3 created, 0 updated, 0 unchanged, 0 deleted");
    // in git: a changes, b stays, c is removed
    await writeFile(join(gitops, "a.yaml"), flowIn("a", "two"));
    await rm(join(gitops, "c.yaml"));
    const dry = await runCli(["flow", "deploy", gitops, "--prune", "--dry-run", "--server", ferry.url]);
    expect(dry.stdout.split("\n").filter(Boolean)).toEqual([
      "update    cli.gitops.a",
      "unchanged cli.gitops.b",
      "delete    cli.gitops.c",
      "0 would be created, 1 would be updated, 1 unchanged, 1 would be deleted (dry run: nothing changed)",
    ]);
    expect((await fetch(`${ferry.url}/api/v1/flows/cli.gitops/c`)).status).toBe(200);
    const applied = await runCli(["flow", "deploy", gitops, "--prune", "--server", ferry.url]);
    expect(applied.stdout).toContain("0 created, 1 updated, 1 unchanged, 1 deleted");
    expect((await fetch(`${ferry.url}/api/v1/flows/cli.gitops/c`)).status).toBe(404);
    expect(((await (await fetch(`${ferry.url}/api/v1/flows/cli.gitops/b`)).json()) as { revision: number }).revision).toBe(1);
    // the other namespaces are never pruned
    expect((await fetch(`${ferry.url}/api/v1/flows/cli.test/greet`)).status).toBe(200);
  }, 120_000);

  it("namespace files deploy uploads a folder, leaves unchanged files alone, and prunes", async () => {
    const folder = await mkdtemp(join(tmpdir(), "ferry-nsfiles-"));
    await mkdir(join(folder, "scripts"));
    await writeFile(join(folder, "scripts/main.ts"), "export default () => ({ ok: true });");
    await writeFile(join(folder, "data.json"), '{"rows": 3}');
    await writeFile(join(folder, "blob.bin"), Buffer.from([0, 255, 1, 254]));
    const first = await runCli(["namespace", "files", "deploy", folder, "--namespace", "cli.files", "--server", ferry.url]);
    expect(first.stdout).toContain("3 uploaded, 0 unchanged, 0 deleted");
    expect(Buffer.from(await (await fetch(`${ferry.url}/api/v1/namespaces/cli.files/files?path=blob.bin`)).arrayBuffer())).toEqual(Buffer.from([0, 255, 1, 254]));
    await rm(join(folder, "blob.bin"));
    await writeFile(join(folder, "data.json"), '{"rows": 4}');
    const dry = await runCli(["namespace", "files", "deploy", folder, "-n", "cli.files", "--prune", "--dry-run", "--server", ferry.url]);
    expect(dry.stdout).toContain("1 would be uploaded, 1 unchanged, 1 would be deleted (dry run: nothing changed)");
    const second = await runCli(["namespace", "files", "deploy", folder, "-n", "cli.files", "--prune", "--server", ferry.url]);
    expect(second.stdout).toContain("1 uploaded, 1 unchanged, 1 deleted");
    expect(await (await fetch(`${ferry.url}/api/v1/namespaces/cli.files/files?path=data.json`)).text()).toBe('{"rows": 4}');
    expect((await fetch(`${ferry.url}/api/v1/namespaces/cli.files/files?path=blob.bin`)).status).toBe(404);
  }, 120_000);

  it("kv set, get, list and delete", async () => {
    expect((await runCli(["kv", "set", "cli.kv", "greeting", "hello world", "--server", ferry.url])).stdout).toContain('greeting = "hello world" (STRING)');
    expect((await runCli(["kv", "set", "cli.kv", "limits", '{"max": 3}', "--ttl", "P1D", "--server", ferry.url])).stdout).toContain("(JSON)");
    expect((await runCli(["kv", "get", "cli.kv", "limits", "--server", ferry.url])).stdout).toBe('{"max":3}\n');
    const list = await runCli(["kv", "list", "cli.kv", "--server", ferry.url]);
    expect(list.stdout).toMatch(/^greeting\tSTRING\nlimits\tJSON\texpires \S+\n$/);
    expect((await runCli(["kv", "delete", "cli.kv", "greeting", "--server", ferry.url])).stdout).toContain("greeting deleted");
    const missing = await runCli(["kv", "get", "cli.kv", "greeting", "--server", ferry.url]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("HTTP 404: no KV pair greeting in namespace cli.kv") });
    expect((await runCli(["kv", "set", "cli.kv", "bad key", "1", "--server", ferry.url])).stderr).toContain("is not a KV key");
  }, 120_000);

  it("kv deploy sets a namespace's pairs from a file, leaves unchanged ones, and prunes", async () => {
    const folder = await mkdtemp(join(tmpdir(), "ferry-kvdeploy-"));
    const file = join(folder, "kv.yaml");
    await writeFile(file, "region: eu\nlimits: { max: 3 }\nenabled: true\n");
    expect((await runCli(["kv", "deploy", file, "-n", "cli.kvdeploy", "--server", ferry.url])).stdout).toContain("3 set, 0 unchanged, 0 deleted");
    expect(await (await fetch(`${ferry.url}/api/v1/namespaces/cli.kvdeploy/kv/limits`)).json()).toEqual({ type: "JSON", value: { max: 3 } });
    await writeFile(file, "region: us\nlimits: { max: 3 }\n");
    expect((await runCli(["kv", "deploy", file, "-n", "cli.kvdeploy", "--prune", "--dry-run", "--server", ferry.url])).stdout).toContain("1 would be set, 1 unchanged, 1 would be deleted (dry run: nothing changed)");
    expect((await runCli(["kv", "deploy", file, "-n", "cli.kvdeploy", "--prune", "--server", ferry.url])).stdout).toContain("1 set, 1 unchanged, 1 deleted");
    expect(await (await fetch(`${ferry.url}/api/v1/namespaces/cli.kvdeploy/kv/region`)).json()).toEqual({ type: "STRING", value: "us" });
    expect((await fetch(`${ferry.url}/api/v1/namespaces/cli.kvdeploy/kv/enabled`)).status).toBe(404);
  }, 120_000);

  it("says clearly when the server cannot be reached, or the flow is unknown", async () => {
    const down = await runCli(["execute", "cli.test", "greet", "--server", "http://127.0.0.1:9"]);
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/^ferry: cannot reach the Ferry server at http:\/\/127.0.0.1:9/);
    const unknown = await runCli(["execute", "cli.test", "nope", "--server", ferry.url]);
    expect(unknown.stderr).toMatch(/HTTP 404: flow cli.test.nope not found/);
  }, 120_000);

  it("server local refuses a bad configuration with one line naming the key", async () => {
    const cfgDir = await mkdtemp(join(tmpdir(), "ferry-badcfg-"));
    await writeFile(join(cfgDir, "ferry.yaml"), "repository:\n  type: oracle\n");
    const r = await runCli(["server", "local"], { cwd: cfgDir });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      "ferry: invalid configuration at repository.type: unknown repository type 'oracle' (built-in: sqlite, postgres, mysql; or an npm package or folder exporting a repository backend)",
    );
  }, 120_000);
});

describe("starting without its services", () => {
  it("says which service is out of reach, one line per try, and keeps trying instead of crashing", async () => {
    const { startProcess, FERRY } = await import("./support/processes.js");
    const cwd = await mkdtemp(join(tmpdir(), "ferry-nosvc-"));
    await writeFile(join(cwd, "ferry.yaml"), 'queue: { type: redis, url: "redis://127.0.0.1:1" }\nserver: { port: 0 }\n');
    const scheduler = startProcess(process.execPath, [FERRY, "server", "scheduler"], { cwd });
    await scheduler.waitFor(/cannot connect to Redis at redis:\/\/127.0.0.1:1.*retrying in 1 s \(attempt 1\)/);
    await scheduler.waitFor(/retrying in 2 s \(attempt 2\)/, 5000);
    expect(scheduler.child.exitCode).toBeNull();
    expect(scheduler.output()).not.toMatch(/\n\s+at /);
    await scheduler.stop();
  });
});

describe("the CLI against a server with server.auth", () => {
  let ferry: FerryProcess;
  const TOKEN = "cli-robot-token-0123456789";
  beforeAll(async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-cli-auth-"));
    await writeFile(join(cwd, "ferry.yaml"), `server:\n  auth:\n    basic: [{ username: ada, password: "correct horse" }]\n    tokens: ["${TOKEN}"]\n`);
    ferry = await startFerryProcess({ cwd });
  }, 30_000);
  afterAll(async () => ferry?.stop());

  it("sends FERRY_SERVER_TOKEN as a bearer token, or the URL's user as basic auth; without either it says 401 clearly", async () => {
    const refused = await runCli(["trigger", "list", "--server", ferry.url]);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^ferry: the server at http:\/\/127.0.0.1:\d+ refused no credentials \(HTTP 401: authentication required/);
    expect((await runCli(["trigger", "list", "--server", ferry.url], { env: { FERRY_SERVER_TOKEN: TOKEN } })).stdout).toBe("no triggers\n");
    const withUser = ferry.url.replace("http://", "http://ada:correct%20horse@");
    expect((await runCli(["trigger", "list", "--server", withUser])).stdout).toBe("no triggers\n");
    const bad = await runCli(["trigger", "list", "--server", "127.0.0.1:8080"]);
    expect(bad).toMatchObject({ code: 2, stderr: expect.stringContaining("ferry: '127.0.0.1:8080' (--server) is not a server URL") });
  });
});

describe("ferry config", () => {
  it("check names the key that is wrong, or says OK with the plugins; print shows the effective configuration, credentials redacted", async () => {
    const cwd = await mkdtemp(join(tmpdir(), "ferry-cli-config-"));
    await writeFile(join(cwd, "ferry.yaml"), "server: { port: 9999, prot: 1 }\n");
    const bad = await runCli(["config", "check"], { cwd });
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain("server");
    expect(bad.stderr).toContain("prot");

    await writeFile(join(cwd, "ferry.yaml"), 'repository: { type: postgres, url: "postgres://ferry:${PG_PASSWORD}@db/ferry" }\nserver: { auth: { tokens: ["robot-token-0123456789"] } }\n');
    const ok = await runCli(["config", "check"], { cwd, env: { PG_PASSWORD: "pg-secret" } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^configuration OK \(.*ferry\.yaml\): plugins @ferry\/plugin-core@0\.1\.0, @ferry\/plugin-script@0\.1\.0/);
    const printed = await runCli(["config", "print"], { cwd, env: { PG_PASSWORD: "pg-secret", FERRY_WORKER__CONCURRENCY: "3" } });
    expect(printed.stdout).toContain("url: postgres://ferry:******@db/ferry");
    expect(printed.stdout).toContain("concurrency: 3");
    expect(printed.stdout).not.toContain("pg-secret");
    expect(printed.stdout).not.toContain("robot-token");
  });
});

