import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkBackends, closeBackends, createBackends, resolveBackend, type BuiltInBackends } from "./backends.js";
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

/** what a composition root would give: here, built-in names for fixture modules (core itself lists none) */
const builtInsOf = (dir: string): BuiltInBackends => ({
  repository: { fixture: join(dir, "repository.mjs") },
  storage: { local: join(dir, "storage.mjs"), s3: join(dir, "storage.mjs") },
  secrets: { env: join(dir, "secrets.mjs") },
  queue: { memory: join(dir, "queue.mjs"), redis: join(dir, "queue.mjs") },
  history: { repository: join(dir, "history.mjs") },
});
const fixtures = (kinds = ["repository", "storage", "secrets", "queue", "history"]) => Object.fromEntries(kinds.map((kind) => [`${kind}.mjs`, backendSource(kind)]));
const sections = { repository: { type: "fixture", size: 0 }, storage: { type: "local", size: 0 }, secrets: { type: "env", size: 0 }, queue: { type: "memory", size: 0 }, history: { type: "repository", size: 0 } };

describe("backends by configured type", () => {
  it("resolves a built-in name through the table its caller gives, as it would the module itself", async () => {
    const dir = await folder(fixtures());
    const builtIns = builtInsOf(dir);
    const definition = await resolveBackend("storage", "s3", { baseDir: "/", builtIns });
    expect(definition.kind).toBe("storage");
    expect(definition).toBe(await resolveBackend("storage", join(dir, "storage.mjs"), { baseDir: "/", builtIns }));
    // without a table, a name is only a package name
    await expect(resolveBackend("storage", "local", { baseDir: dir, builtIns: { repository: {}, storage: {}, secrets: {}, queue: {}, history: {} } })).rejects.toThrow(
      "invalid configuration at storage.type: unknown storage type 'local' (an npm package or folder exporting a storage backend)",
    );
  });

  it("loads a backend from a folder (package.json entry) or a file, relative to the configuration's folder", async () => {
    const dir = await folder({
      ...fixtures(["repository", "queue"]),
      "backends/acme-secrets/package.json": JSON.stringify({ name: "acme-secrets", type: "module", exports: { ".": { default: "./main.js" } } }),
      "backends/acme-secrets/main.js": backendSource("secrets", "needsRepository: true,"),
      "one-file-storage.mjs": backendSource("storage"),
    });
    const config = configSchema.parse({
      ...sections,
      storage: { type: "./one-file-storage.mjs", size: 2 },
      secrets: { type: "./backends/acme-secrets", size: 1 },
    });
    const before = calls().length;
    // a worker: no repository asked, yet the secret backend declares it needs one
    const backends = await createBackends(config, { baseDir: dir, builtIns: builtInsOf(dir) }, { repository: false });
    expect(backends.repository).toBeDefined();
    expect(calls().slice(before)).toEqual([
      { kind: "repository", options: { size: 0 }, baseDir: dir, repository: false },
      { kind: "storage", options: { size: 2 }, baseDir: dir, repository: false },
      { kind: "secrets", options: { size: 1 }, baseDir: dir, repository: true },
      { kind: "queue", options: { size: 0 }, baseDir: dir, repository: false },
      { init: "repository" },
      { init: "storage" },
      { init: "secrets" },
      { init: "queue" },
    ]);
    await closeBackends(backends);
  });

  it("refuses a type it cannot resolve, of another kind, for another SDK major, that fails to load or exports no backend", async () => {
    const dir = await folder({
      ...fixtures(),
      "secrets.mjs": backendSource("secrets"),
      "future.mjs": backendSource("storage", "sdkMajor: 99,"),
      "broken.mjs": "throw new Error('cannot start');\n",
      "plugin.mjs": "export default { name: 'p', version: '1', sdkMajor: 0, tasks: [], triggers: [] };\n",
      "needs-more/index.js": "import 'ferry-helper-not-installed';\nexport default {};\n",
    });
    const sources = { baseDir: dir, builtIns: builtInsOf(dir) };
    await expect(resolveBackend("storage", "x", sources)).rejects.toThrow(
      "invalid configuration at storage.type: unknown storage type 'x' (built-in: local, s3; or an npm package or folder exporting a storage backend)",
    );
    await expect(resolveBackend("queue", "@acme/ferry-queue-nats", sources)).rejects.toThrow(/^invalid configuration at queue.type: unknown queue type '@acme\/ferry-queue-nats' \(built-in: memory, redis;/);
    await expect(resolveBackend("storage", "./missing", sources)).rejects.toThrow(`unknown storage type './missing' (built-in: local, s3; or an npm package or folder exporting a storage backend): nothing at ${join(dir, "missing")}`);
    await expect(resolveBackend("storage", "./secrets.mjs", sources)).rejects.toThrow(
      "invalid configuration at storage.type: './secrets.mjs' is a secrets backend, not a storage backend (name it as secrets.type)",
    );
    await expect(resolveBackend("storage", "./future.mjs", sources)).rejects.toThrow(
      "invalid configuration at storage.type: storage backend './future.mjs' was built for @ferry/sdk major 99, this server has major 0",
    );
    await expect(resolveBackend("storage", "./broken.mjs", sources)).rejects.toThrow("invalid configuration at storage.type: storage backend './broken.mjs' failed to load: cannot start");
    await expect(resolveBackend("storage", "./plugin.mjs", sources)).rejects.toThrow("invalid configuration at storage.type: './plugin.mjs' exports no backend (it is a task plugin: list it under plugins)");
    // found, but what it imports is not: it failed to load, naming what is missing
    await expect(resolveBackend("storage", "./needs-more", sources)).rejects.toThrow(/^invalid configuration at storage.type: storage backend '.\/needs-more' failed to load: .*ferry-helper-not-installed/);
    // a built-in name is one kind's: the repository's name is no storage
    await expect(resolveBackend("storage", "fixture", sources)).rejects.toThrow(/unknown storage type 'fixture'/);
  });

  it("validates each section's options with its backend's schema, naming the key, before creating anything", async () => {
    const dir = await folder(fixtures());
    const before = calls().length;
    const attempt = (over: Record<string, unknown>) => createBackends(configSchema.parse({ ...sections, ...over }), { baseDir: dir, builtIns: builtInsOf(dir) }, { repository: true });
    await expect(attempt({ queue: { type: "redis" } })).rejects.toThrow("invalid configuration at queue.size: expected a number");
    await expect(attempt({ storage: { type: "s3", size: 1, colour: "red" } })).rejects.toThrow("invalid configuration at storage.colour: unknown key (known: size)");
    expect(calls().slice(before)).toEqual([]);
  });

  it("checks every section without creating it; with connect, runs each backend's check()", async () => {
    const dir = await folder({ ...fixtures(), "storage.mjs": backendSource("storage") });
    const config = configSchema.parse({ ...sections, storage: { type: "./storage.mjs", size: 3 } });
    const sources = { baseDir: dir, builtIns: builtInsOf(dir) };
    const before = calls().length;
    expect(await checkBackends(config, sources)).toEqual([
      { kind: "repository", type: "fixture", connection: "not asked" },
      { kind: "storage", type: "./storage.mjs", connection: "not asked" },
      { kind: "secrets", type: "env", connection: "not asked" },
      { kind: "queue", type: "memory", connection: "not asked" },
      { kind: "history", type: "repository", connection: "not asked" },
    ]);
    expect(calls().slice(before)).toEqual([]);
    const noCheck = await folder({ "plain.mjs": backendSource("queue").replace("async check(options)", "async ignored(options)") });
    const withPlainQueue = configSchema.parse({ ...sections, storage: { type: "./storage.mjs", size: 3 }, queue: { type: join(noCheck, "plain.mjs"), size: 0 } });
    expect((await checkBackends(withPlainQueue, sources, { connect: true })).map((c) => c.connection)).toEqual(["connected", "connected", "connected", "no check", "connected"]);
    expect(calls().slice(before)).toEqual([
      { check: "repository", options: { size: 0 } },
      { check: "storage", options: { size: 3 } },
      { check: "secrets", options: { size: 0 } },
      { check: "history", options: { size: 0 } },
    ]);
  });
});
