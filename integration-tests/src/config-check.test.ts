import { FakeVault } from "@ferry/testkit/fake-vault";
import { startS3rver, type S3TestServer } from "@ferry/testkit/s3rver";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runCli } from "./support/ferry-process.js";

/**
 * `ferry config check` on each bad configuration issue 15 lists, through the real CLI: exit
 * 1 and one line naming the key. A server start refuses the same configuration the same way
 * (one validation for both). `--connect` reaches a Vault (the Vault-API-compatible server
 * testkit starts) and an S3 endpoint (s3rver) and names what they refused.
 */
let cwd: string;
let vault: FakeVault;
let s3: S3TestServer;
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "ferry-config-check-"));
  vault = await new FakeVault().start();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  s3 = await startS3rver();
});
afterAll(async () => {
  await vault?.stop();
  await s3?.stop();
});

/** `ferry config check [--connect] -c <file>` with `yaml` as the file (without `yaml`: the file `name`.yaml as written) */
async function check(name: string, yaml?: string, ...flags: string[]) {
  if (yaml !== undefined) await writeFile(join(cwd, `${name}.yaml`), `${yaml}\n`);
  const result = await runCli(["config", "check", ...flags, "-c", `${name}.yaml`], { cwd, env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" } });
  return { code: result.code, stderr: result.stderr.trim(), stdout: result.stdout };
}

describe("ferry config check refuses each bad configuration with exit 1 and one line naming the key", () => {
  const refused: Array<[name: string, yaml: string, line: string | RegExp]> = [
    [
      "unknown-repository",
      "repository: { type: oracle, url: 'oracle://db' }",
      "ferry: invalid configuration at repository.type: unknown repository type 'oracle' (built-in: sqlite, postgres, mysql; or an npm package or folder exporting a repository backend)",
    ],
    ["s3-without-bucket", "storage: { type: s3, region: eu-west-1 }", "ferry: invalid configuration at storage.bucket: Invalid input: expected string, received undefined"],
    ["database-secrets-without-key", "secrets: { type: database }", "ferry: invalid configuration at secrets.key: Invalid input: expected string, received undefined"],
    ["redis-typo", "queue: { type: redis, ulr: 'redis://127.0.0.1:6379/11' }", /^ferry: invalid configuration at queue\.ulr: unknown key for queue type 'redis' \(known: url[,)]/],
    [
      "unknown-history",
      "history: { type: elasticsearch }",
      "ferry: invalid configuration at history.type: unknown history type 'elasticsearch' (built-in: repository, postgres, none; or an npm package or folder exporting a history backend)",
    ],
    ["history-typo", "history: { type: postgres, url: 'postgres://db/history', retenion: P90D }", "ferry: invalid configuration at history.retenion: unknown key for history type 'postgres' (known: url, poolSize, retention)"],
    // refused by the server at its start where config check said OK (2026-12-06)
    ["postgres-http-url", "repository: { type: postgres, url: 'http://db:5432/ferry' }", "ferry: invalid configuration at repository.url: the postgres repository needs a postgres:// or postgresql:// URL"],
    ["history-http-url", "history: { type: postgres, url: 'https://db/history' }", "ferry: invalid configuration at history.url: the postgres history store needs a postgres:// or postgresql:// URL"],
    ["process-user-unknown", "worker: { processUser: no-such-user-here }", "ferry: invalid configuration at worker.processUser: no user 'no-such-user-here' on this machine (give an existing user name, or uid:gid)"],
    [
      "public-host-without-auth",
      "server: { host: 0.0.0.0 }",
      "ferry: invalid configuration at server.host: '0.0.0.0' is reachable from other machines, and server.auth has no user or token; add server.auth (basic users or bearer tokens), or listen on 127.0.0.1",
    ],
    ["history-bad-retention", "history: { type: postgres, url: 'postgres://db/history', retention: 90 days }", /^ferry: invalid configuration at history\.retention: /],
    // refused by the server at its start (or spinning, or retried for ever) where config check said OK (2026-12-06, a differential run of both)
    ["duration-only-p", "executor: { reconcileEvery: P }", /^ferry: invalid configuration in \S+ at executor\.reconcileEvery: expected an ISO-8601 duration such as PT30S$/],
    ["retention-every-zero", "retention: { every: PT0S }", /^ferry: invalid configuration in \S+ at retention\.every: expected a duration above zero, such as PT30S$/],
    ["primary-retention-bad", "history: { primaryRetention: P1X }", /^ferry: invalid configuration in \S+ at history\.primaryRetention: expected an ISO-8601 duration such as PT30S$/],
    ["encryption-key-short", "encryption: { key: abc= }", /^ferry: invalid configuration in \S+ at encryption\.key: an AES-256 key is 32 bytes, this one is 2 \(make one with: openssl rand -base64 32\)$/],
    ["mysql-postgres-url", "repository: { type: mysql, url: 'postgres://db/ferry' }", "ferry: invalid configuration at repository.url: the mysql repository needs a mysql:// or mariadb:// URL"],
    ["redis-http-url", "queue: { type: redis, url: 'http://cache:6379' }", "ferry: invalid configuration at queue.url: the redis queue needs a redis:// or rediss:// URL"],
  ];

  // each case has its own file and nothing opens a port or a database, so they run side by side
  // (at most maxConcurrency, 5, at a time), and each case's two processes too: ~37 processes one
  // after another spent most of the file's time waiting for node to start
  for (const [name, yaml, line] of refused) {
    it.concurrent(`${name}: config check and server start`, async ({ expect }) => {
      await writeFile(join(cwd, `${name}.yaml`), `${yaml}\n`);
      const [result, server] = await Promise.all([
        check(name),
        // the server validates with the same code before it opens anything
        runCli(["server", "local", "-c", `${name}.yaml`, "--port", "0"], { cwd }),
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr.split("\n")).toHaveLength(1);
      expect(result.stderr).toMatch(typeof line === "string" ? new RegExp(`^${line.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`) : line);
      expect({ code: server.code, stderr: server.stderr.trim() }).toEqual({ code: 1, stderr: result.stderr });
    }, 60_000);
  }
});

// each case its own files, bucket names and unreachable addresses: side by side
describe.concurrent("ferry config check --connect", () => {
  it("a Vault token Vault refuses: exit 1, naming secrets.token; the right token connects", async ({ expect }) => {
    const bad = await check("vault-bad-token", `secrets: { type: vault, url: "${vault.url}", token: not-a-token }`, "--connect");
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: "ferry: invalid configuration at secrets.token: Vault refused the credentials (403: permission denied)" });
    const good = await check("vault-token", `secrets: { type: vault, url: "${vault.url}", token: "${vault.rootToken}" }`, "--connect");
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain("connected: storage, secrets (no connection check: repository, queue, history)");
    // without --connect nothing is reached: the bad token passes the static check
    expect((await check("vault-bad-token-static", `secrets: { type: vault, url: "${vault.url}", token: not-a-token }`)).code).toBe(0);
  }, 60_000);

  it("an S3 bucket that does not exist: exit 1, naming storage.bucket; an existing one connects", async ({ expect }) => {
    const storage = (bucket: string) => `storage: { type: s3, bucket: ${bucket}, endpoint: "${s3.endpoint}", accessKeyId: ${s3.credentials.accessKeyId}, secretAccessKey: ${s3.credentials.secretAccessKey} }`;
    const bad = await check("s3-no-bucket", storage("ferry-nowhere"), "--connect");
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: "ferry: invalid configuration at storage.bucket: bucket 'ferry-nowhere' does not exist" });
    const bucket = await s3.createBucket("ferry-config-check");
    const good = await check("s3-bucket", storage(bucket), "--connect");
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain("connected: storage (no connection check: repository, secrets, queue, history)");
  }, 60_000);

  it("a local storage path below a file: exit 1, naming storage.path; nothing is created", async ({ expect }) => {
    await writeFile(join(cwd, "occupied"), "a file, not a folder\n");
    const bad = await check("local-below-file", "storage: { type: local, path: ./occupied/storage }", "--connect");
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: `ferry: invalid configuration at storage.path: ${join(cwd, "occupied")} is not a folder (the storage would live below it)` });
  }, 60_000);

  it("a database or Redis out of reach: exit 1, one line naming the section and the address", async ({ expect }) => {
    const postgres = await check("postgres-down", "repository: { type: postgres, url: 'postgres://ferry@127.0.0.1:1/ferry' }", "--connect");
    expect(postgres.code).toBe(1);
    expect(postgres.stderr).toMatch(/^ferry: config check --connect: repository \(postgres\): cannot connect to PostgreSQL at [^\n]*127\.0\.0\.1:1/);
    expect(postgres.stderr.split("\n")).toHaveLength(1);
    const history = await check("history-down", "history: { type: postgres, url: 'postgres://ferry@127.0.0.1:1/history' }", "--connect");
    expect(history.code).toBe(1);
    expect(history.stderr).toMatch(/^ferry: config check --connect: history \(postgres\): cannot connect to the history database at [^\n]*127\.0\.0\.1:1/);
    const redis = await check("redis-down", "queue: { type: redis, url: 'redis://127.0.0.1:1' }", "--connect");
    expect({ code: redis.code, stderr: redis.stderr }).toEqual({ code: 1, stderr: "ferry: config check --connect: queue (redis): cannot connect to Redis at redis://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1" });
  }, 60_000);
});
