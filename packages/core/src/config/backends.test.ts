import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILT_IN_BACKENDS, checkBackends, closeBackends, createBackends, resolveBackend } from "./backends.js";
import { configSchema } from "./config.schema.js";

/**
 * A backend module as an outside package would write it, without imports (a temporary
 * folder resolves no packages): the schema needs only safeParse, as a zod schema has it.
 */
const backendSource = (kind: string, over = "") => `
const calls = (globalThis.__ferryBackendCalls ??= []);
const configSchema = {
  shape: { size: {} },
  safeParse(v) {
    const extra = Object.keys(v).filter((k) => k !== "size");
    if (extra.length) return { success: false, error: { issues: [{ code: "unrecognized_keys", keys: extra, path: [], message: "unrecognized" }] } };
    if (typeof v.size !== "number") return { success: false, error: { issues: [{ code: "invalid_type", path: ["size"], message: "expected a number" }] } };
    return { success: true, data: v };
  },
};
export default {
  kind: "${kind}", sdkMajor: 0, configSchema,
  create(options, ctx) {
    calls.push({ kind: "${kind}", options, baseDir: ctx.baseDir, repository: !!ctx.repository });
    return { async init() { calls.push({ init: "${kind}" }); }, async close() {}, async get() { return undefined; }, async list() { return []; } };
  },
  async check(options) { calls.push({ check: "${kind}", options }); },
  ${over}
};
`;

const calls = () => (globalThis as { __ferryBackendCalls?: unknown[] }).__ferryBackendCalls ?? [];

async function folder(files: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), "ferry-backends-"));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

describe("backends by configured type", () => {
  it("resolves every built-in name to its package's definition, of its kind", async () => {
    for (const [kind, names] of Object.entries(BUILT_IN_BACKENDS) as Array<[keyof typeof BUILT_IN_BACKENDS, Record<string, string>]>) {
      for (const name of Object.keys(names)) {
        const definition = await resolveBackend(kind, name, "/");
        expect({ kind: definition.kind, type: definition.type, sdkMajor: definition.sdkMajor }).toEqual({ kind, type: name, sdkMajor: 0 });
      }
    }
  });

  it("loads a backend from a folder (package.json entry) or a file, relative to the configuration's folder", async () => {
    const dir = await folder({
      "backends/acme-secrets/package.json": JSON.stringify({ name: "acme-secrets", type: "module", exports: { ".": { default: "./main.js" } } }),
      "backends/acme-secrets/main.js": backendSource("secrets", "needsRepository: true,"),
      "one-file-storage.mjs": backendSource("storage"),
    });
    const config = configSchema.parse({
      repository: { type: "sqlite", path: ":memory:" },
      storage: { type: "./one-file-storage.mjs", size: 2 },
      secrets: { type: "./backends/acme-secrets", size: 1 },
    });
    const before = calls().length;
    // a worker: no repository asked, yet the secret backend declares it needs one
    const backends = await createBackends(config, dir, { repository: false });
    expect(backends.repository).toBeDefined();
    expect(calls().slice(before)).toEqual([
      { kind: "storage", options: { size: 2 }, baseDir: dir, repository: false },
      { kind: "secrets", options: { size: 1 }, baseDir: dir, repository: true },
      { init: "storage" },
      { init: "secrets" },
    ]);
    await closeBackends(backends);
  });

  it("refuses a type it cannot resolve, of another kind, for another SDK major, that fails to load or exports no backend", async () => {
    const dir = await folder({
      "secrets.mjs": backendSource("secrets"),
      "future.mjs": backendSource("storage", "sdkMajor: 99,"),
      "broken.mjs": "throw new Error('cannot start');\n",
      "plugin.mjs": "export default { name: 'p', version: '1', sdkMajor: 0, tasks: [], triggers: [] };\n",
      "needs-more/index.js": "import 'ferry-helper-not-installed';\nexport default {};\n",
    });
    await expect(resolveBackend("storage", "x", dir)).rejects.toThrow(
      "invalid configuration at storage.type: unknown storage type 'x' (built-in: local, s3; or an npm package or folder exporting a storage backend)",
    );
    await expect(resolveBackend("queue", "@acme/ferry-queue-nats", dir)).rejects.toThrow(/^invalid configuration at queue.type: unknown queue type '@acme\/ferry-queue-nats' \(built-in: memory, redis;/);
    await expect(resolveBackend("storage", "./missing", dir)).rejects.toThrow(`unknown storage type './missing' (built-in: local, s3; or an npm package or folder exporting a storage backend): nothing at ${join(dir, "missing")}`);
    await expect(resolveBackend("storage", "./secrets.mjs", dir)).rejects.toThrow(
      "invalid configuration at storage.type: './secrets.mjs' is a secrets backend, not a storage backend (name it as secrets.type)",
    );
    await expect(resolveBackend("storage", "./future.mjs", dir)).rejects.toThrow(
      "invalid configuration at storage.type: storage backend './future.mjs' was built for @ferry/sdk major 99, this server has major 0",
    );
    await expect(resolveBackend("storage", "./broken.mjs", dir)).rejects.toThrow("invalid configuration at storage.type: storage backend './broken.mjs' failed to load: cannot start");
    await expect(resolveBackend("storage", "./plugin.mjs", dir)).rejects.toThrow("invalid configuration at storage.type: './plugin.mjs' exports no backend (it is a task plugin: list it under plugins)");
    // found, but what it imports is not: it failed to load, naming what is missing
    await expect(resolveBackend("storage", "./needs-more", dir)).rejects.toThrow(/^invalid configuration at storage.type: storage backend '.\/needs-more' failed to load: .*ferry-helper-not-installed/);
    // a built-in name is one kind's: sqlite is no storage
    await expect(resolveBackend("storage", "sqlite", dir)).rejects.toThrow(/unknown storage type 'sqlite'/);
  });

  it("validates each section's options with its backend's strict schema, naming the key, before creating anything", async () => {
    const dir = await folder({ "storage.mjs": backendSource("storage") });
    const attempt = (sections: Record<string, unknown>) => createBackends(configSchema.parse({ repository: { type: "sqlite", path: ":memory:" }, ...sections }), dir, { repository: true });
    await expect(attempt({ storage: { type: "local", pth: "/tmp/x" } })).rejects.toThrow("invalid configuration at storage.pth: unknown key for storage type 'local' (known: path)");
    await expect(attempt({ storage: { type: "s3" } })).rejects.toThrow(/^invalid configuration at storage.bucket: /);
    await expect(attempt({ storage: { type: "s3", bucket: "b", endpoint: "not a url" } })).rejects.toThrow(/^invalid configuration at storage.endpoint: /);
    await expect(attempt({ secrets: { type: "env", prefix: "X_" } })).rejects.toThrow("invalid configuration at secrets.prefix: unknown key for secrets type 'env' (it takes no options besides type)");
    await expect(attempt({ secrets: { type: "vault", url: "http://127.0.0.1:8200" } })).rejects.toThrow("invalid configuration at secrets.token: give either token or appRole");
    await expect(attempt({ secrets: { type: "vault", url: "http://127.0.0.1:8200", appRole: { roleId: "r", secretID: "s" } } })).rejects.toThrow(/^invalid configuration at secrets.appRole.secretI/);
    await expect(attempt({ queue: { type: "redis", claimTimeout: "15 seconds" } })).rejects.toThrow(/^invalid configuration at queue.claimTimeout: expected an ISO-8601 duration/);
    await expect(attempt({ repository: { type: "postgres", url: "postgres://x", poolsize: 3 } })).rejects.toThrow(/^invalid configuration at repository.poolsize: unknown key for repository type 'postgres'/);
    await expect(attempt({ storage: { type: "./storage.mjs" } })).rejects.toThrow("invalid configuration at storage.size: expected a number");
    await expect(attempt({ storage: { type: "./storage.mjs", size: 1, colour: "red" } })).rejects.toThrow("invalid configuration at storage.colour: unknown key (known: size)");
  });

  it("checks every section without creating it; with connect, runs each backend's check()", async () => {
    const dir = await folder({ "storage.mjs": backendSource("storage") });
    const config = configSchema.parse({ storage: { type: "./storage.mjs", size: 3 } });
    const before = calls().length;
    expect(await checkBackends(config, dir)).toEqual([
      { kind: "repository", type: "sqlite", connection: "not asked" },
      { kind: "storage", type: "./storage.mjs", connection: "not asked" },
      { kind: "secrets", type: "env", connection: "not asked" },
      { kind: "queue", type: "memory", connection: "not asked" },
    ]);
    expect(calls().slice(before)).toEqual([]);
    expect((await checkBackends(config, dir, { connect: true })).map((c) => c.connection)).toEqual(["no check", "connected", "no check", "no check"]);
    expect(calls().slice(before)).toEqual([{ check: "storage", options: { size: 3 } }]);
  });
});
