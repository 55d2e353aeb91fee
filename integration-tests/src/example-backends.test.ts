import { existsSync } from "node:fs";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runCli, startFerryProcess, type FerryProcess } from "./support/ferry-process.js";

const SECRET = "hello from a file";
const FLOW = `id: outside-backends
namespace: it.backends.team
tasks:
  - id: write
    type: script.Shell
    env: { GREETING: "{{ secret('GREETING') }}" }
    outputFiles: [report.txt]
    commands:
      # not \${#GREETING}: '{#' opens a Pebble comment, in Kestra as here
      - printf 'the secret has %s characters\\n' "$(printf %s "$GREETING" | wc -c | tr -d ' ')" > report.txt
  - id: check
    type: core.OutputValues
    values:
      matches: "{{ secret('GREETING') == '${SECRET}' }}"
`;

describe("outside backends (examples/backends), loaded by configuration alone into a real ferry server local", () => {
  let cwd: string;
  let ferry: FerryProcess;
  // relative to the configuration's folder, as a user beside the examples would write them
  const storageType = () => relative(cwd, join(REPO_ROOT, "examples/backends/storage-memory"));
  const secretsType = () => relative(cwd, join(REPO_ROOT, "examples/backends/secrets-file"));

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), "ferry-it-outside-backends-"));
    await writeFile(join(cwd, "secrets.yaml"), `namespaces:\n  it.backends:\n    GREETING: ${SECRET}\n`);
    await writeFile(join(cwd, "ferry.yaml"), `storage: { type: ${storageType()}, maxBytes: 10485760 }\nsecrets: { type: ${secretsType()}, path: ./secrets.yaml }\n`);
    ferry = await startFerryProcess({ cwd });
  }, 60_000);
  afterAll(async () => ferry?.stop());

  it("runs a flow that writes a file to the memory storage and reads a secret from the file", async () => {
    const deployed = await fetch(`${ferry.url}/api/v1/flows`, { method: "POST", body: FLOW, headers: { "content-type": "application/x-yaml" } });
    expect(deployed.status, await deployed.clone().text()).toBe(200);
    const ended = (await (await fetch(`${ferry.url}/api/v1/executions/it.backends.team/outside-backends?wait=true`, { method: "POST" })).json()) as {
      id: string;
      state: { current: string };
      taskRunList: Array<{ taskId: string; outputs: { outputFiles?: Record<string, string>; values?: Record<string, unknown> } }>;
    };
    expect(ended.state.current).toBe("SUCCESS");
    const outputs = Object.fromEntries(ended.taskRunList.map((t) => [t.taskId, t.outputs]));
    expect(outputs.check.values).toEqual({ matches: "true" });
    const uri = outputs.write.outputFiles!["report.txt"];
    const file = await fetch(`${ferry.url}/api/v1/executions/${ended.id}/file?path=${encodeURIComponent(uri)}`);
    expect(await file.text()).toBe(`the secret has ${SECRET.length} characters\n`);
    // nothing went to the embedded local storage: the memory storage held it all
    expect(existsSync(join(cwd, ".ferry/storage"))).toBe(false);
    expect(existsSync(join(cwd, ".ferry/ferry.db"))).toBe(true);
  }, 60_000);

  it("ferry config check resolves and validates them (and --connect reads the secrets file)", async () => {
    const ok = await runCli(["config", "check"], { cwd });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`repository sqlite, storage ${storageType()}, secrets ${secretsType()}, queue memory`);
    const connected = await runCli(["config", "check", "--connect"], { cwd });
    expect(connected.stdout).toContain("connected: secrets (no connection check: repository, storage, queue, history)");
    // a service out of reach is one line and exit 1, as at server start
    await writeFile(join(cwd, "unreachable.yaml"), `secrets: { type: ${secretsType()}, path: ./secrets.yaml }\nqueue: { type: redis, url: "redis://127.0.0.1:1" }\n`);
    const unreachable = await runCli(["config", "check", "--connect", "-c", "unreachable.yaml"], { cwd });
    expect({ code: unreachable.code, stderr: unreachable.stderr.trim() }).toEqual({ code: 1, stderr: "ferry: config check --connect: queue (redis): cannot connect to Redis at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1" });
  });

  it("config check and the server refuse a bad option, an unknown type and a backend of another kind, with one line naming the key", async () => {
    const refusals: Array<[yaml: string, line: string]> = [
      [`storage: { type: ${storageType()}, maxbytes: 10 }`, "ferry: invalid configuration at storage.maxbytes: unknown key for storage type 'memory' (known: maxBytes)"],
      [`storage: { type: ${storageType()}, maxBytes: lots }`, "ferry: invalid configuration at storage.maxBytes: Invalid input: expected number, received string"],
      [`secrets: { type: ${secretsType()} }`, "ferry: invalid configuration at secrets.path: Invalid input: expected string, received undefined"],
      ["storage: { type: ferry-storage-nowhere }", "ferry: invalid configuration at storage.type: unknown storage type 'ferry-storage-nowhere' (built-in: local, s3; or an npm package or folder exporting a storage backend)"],
      [`storage: { type: ${secretsType()} }`, `ferry: invalid configuration at storage.type: '${secretsType()}' is a secrets backend, not a storage backend (name it as secrets.type)`],
    ];
    for (const [index, [yaml, line]] of refusals.entries()) {
      await writeFile(join(cwd, `bad-${index}.yaml`), `${yaml}\n`);
      const check = await runCli(["config", "check", "-c", `bad-${index}.yaml`], { cwd });
      expect({ code: check.code, stderr: check.stderr.trim() }).toEqual({ code: 1, stderr: line });
    }
    // the server refuses the first the same way, before it opens anything
    const server = await runCli(["server", "local", "-c", "bad-0.yaml", "--port", "0"], { cwd });
    expect({ code: server.code, stderr: server.stderr.trim() }).toEqual({ code: 1, stderr: refusals[0][1] });
  }, 60_000);
});
