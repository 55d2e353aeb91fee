import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./load-config.js";

async function dirWith(yaml?: string) {
  const dir = await mkdtemp(join(tmpdir(), "ferry-config-"));
  if (yaml !== undefined) await writeFile(join(dir, "ferry.yaml"), yaml);
  return dir;
}

describe("configuration", () => {
  it("uses the embedded defaults without a file", async () => {
    const { config, file } = loadConfig({ cwd: await dirWith(), env: {} });
    expect(file).toBeUndefined();
    expect(config).toMatchObject({
      server: { host: "127.0.0.1", port: 8080 },
      repository: { type: "sqlite", path: "./.ferry/ferry.db" },
      storage: { type: "local", path: "./.ferry/storage" },
      secrets: { type: "env" },
      queue: { type: "memory" },
      worker: { concurrency: 8, groups: ["default"] },
    });
  });
  it("reads ferry.yaml with ${ENV} interpolation and FERRY_ overrides", async () => {
    const cwd = await dirWith("server:\n  port: ${PORT:-7000}\nstorage:\n  type: local\n  path: ${DATA}/storage\n");
    const { config } = loadConfig({ cwd, env: { DATA: "/data", FERRY_SERVER__HOST: "0.0.0.0", FERRY_WORKER__CONCURRENCY: "3", FERRY_SERVER_URL: "ignored", FERRY_TEST_REDIS_URL: "ignored" } });
    expect(config.server).toMatchObject({ host: "0.0.0.0", port: 7000 });
    expect(config.storage).toMatchObject({ path: "/data/storage" });
    expect(config.worker.concurrency).toBe(3);
    expect(config.worker.threads).toBeUndefined();
    expect(loadConfig({ cwd, env: { DATA: "/data", FERRY_WORKER__THREADS: "0" } }).config.worker.threads).toBe(0);
  });
  it("keeps the embedded backend when only its options are overridden", async () => {
    const { config } = loadConfig({ cwd: await dirWith(), env: { FERRY_REPOSITORY__PATH: "/tmp/x.db", FERRY_STORAGE__PATH: "/tmp/s" } });
    expect(config.repository).toEqual({ type: "sqlite", path: "/tmp/x.db" });
    expect(config.storage).toEqual({ type: "local", path: "/tmp/s" });
  });
  it("names the bad key", async () => {
    const load = async (yaml: string) => {
      const cwd = await dirWith(yaml);
      return () => loadConfig({ cwd, env: {} });
    };
    expect(await load("server:\n  prot: 1\n")).toThrow(/unknown key 'server.prot'/);
    expect(await load("server:\n  port: lots\n")).toThrow(/at server.port/);
    expect(await load("storage:\n  path: ${MISSING}\n")).toThrow(/MISSING is not set/);
    expect(await load("server: [\n")).toThrow(/ferry.yaml:\d+: invalid YAML/);
    expect(await load("instance:\n  url: not a url\n")).toThrow(/at instance.url.*absolute URL/);
    expect(await load("instance:\n  name: prod\n")).toThrow(/unknown key 'instance.name'/);
    expect(await load("worker:\n  concurrency: 2\n  threads: 3\n")).toThrow(/at worker.threads: 3 threads share a worker.concurrency of 2/);
    expect(await load("worker:\n  threads: -1\n")).toThrow(/at worker.threads/);
    expect(await load("worker:\n  threads: two\n")).toThrow(/at worker.threads/);
  });
  it("reads the instance block templates see as kestra.environment and kestra.url", async () => {
    const { config } = loadConfig({ cwd: await dirWith("instance:\n  environment: prod\n"), env: { FERRY_INSTANCE__URL: "https://ferry.example.com" } });
    expect(config.instance).toEqual({ environment: "prod", url: "https://ferry.example.com" });
  });
  // Kestra's kestra.variables.globals, which VariablesTest.recursiveVars reads as {{ globals.* }}
  it("reads variables.globals, from the file and the environment; nothing else under variables", async () => {
    const { config } = loadConfig({ cwd: await dirWith("variables:\n  globals:\n    string: string\n    nested: { int: 2 }\n"), env: { FERRY_VARIABLES__GLOBALS__BOOL: "true" } });
    expect(config.variables.globals).toEqual({ string: "string", nested: { int: 2 }, bool: true });
    expect(loadConfig({ cwd: await dirWith(""), env: {} }).config.variables).toEqual({ globals: {} });
    const cwd = await dirWith("variables:\n  recursiveRendering: true\n");
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/unknown key 'variables.recursiveRendering'/);
  });
});
