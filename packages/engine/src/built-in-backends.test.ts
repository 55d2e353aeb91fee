import { configSchema, createBackends, resolveBackend } from "@ferry/core";
import type { BackendKind } from "@ferry/sdk";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BUILT_IN_BACKENDS } from "./built-in-backends.js";

const sources = { baseDir: "/", builtIns: BUILT_IN_BACKENDS };

describe("the built-in backends", () => {
  it("each name resolves to its package's definition, of its kind and type", async () => {
    for (const [kind, names] of Object.entries(BUILT_IN_BACKENDS) as Array<[BackendKind, Record<string, string>]>) {
      for (const name of Object.keys(names)) {
        const definition = await resolveBackend(kind, name, sources);
        expect({ kind: definition.kind, type: definition.type, sdkMajor: definition.sdkMajor }).toEqual({ kind, type: name, sdkMajor: 0 });
      }
    }
  });

  it("an unknown type names the built-in ones of its kind", async () => {
    await expect(resolveBackend("repository", "oracle", sources)).rejects.toThrow(
      "invalid configuration at repository.type: unknown repository type 'oracle' (built-in: sqlite, postgres, mysql; or an npm package or folder exporting a repository backend)",
    );
    // a built-in name is one kind's: sqlite is no storage
    await expect(resolveBackend("storage", "sqlite", sources)).rejects.toThrow(/unknown storage type 'sqlite' \(built-in: local, s3;/);
  });

  it("each validates its section with its own strict schema, naming the key, before anything is created", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ferry-built-ins-"));
    const attempt = (sections: Record<string, unknown>) =>
      createBackends(configSchema.parse({ repository: { type: "sqlite", path: ":memory:" }, ...sections }), { baseDir: dir, builtIns: BUILT_IN_BACKENDS }, { repository: true });
    await expect(attempt({ storage: { type: "local", pth: "/tmp/x" } })).rejects.toThrow("invalid configuration at storage.pth: unknown key for storage type 'local' (known: path)");
    await expect(attempt({ storage: { type: "s3" } })).rejects.toThrow(/^invalid configuration at storage.bucket: /);
    await expect(attempt({ storage: { type: "s3", bucket: "b", endpoint: "not a url" } })).rejects.toThrow(/^invalid configuration at storage.endpoint: /);
    await expect(attempt({ secrets: { type: "env", prefix: "X_" } })).rejects.toThrow("invalid configuration at secrets.prefix: unknown key for secrets type 'env' (it takes no options besides type)");
    await expect(attempt({ secrets: { type: "vault", url: "http://127.0.0.1:8200" } })).rejects.toThrow("invalid configuration at secrets.token: give either token or appRole");
    await expect(attempt({ secrets: { type: "vault", url: "http://127.0.0.1:8200", appRole: { roleId: "r", secretID: "s" } } })).rejects.toThrow(/^invalid configuration at secrets.appRole.secretI/);
    await expect(attempt({ queue: { type: "redis", claimTimeout: "15 seconds" } })).rejects.toThrow(/^invalid configuration at queue.claimTimeout: expected an ISO-8601 duration/);
    // zero: every message in flight would be claimable by another consumer at once (XAUTOCLAIM with no idle time)
    await expect(attempt({ queue: { type: "redis", claimTimeout: "PT0S" } })).rejects.toThrow(/^invalid configuration at queue.claimTimeout: expected a duration above zero/);
    await expect(attempt({ queue: { type: "redis", ulr: "redis://127.0.0.1:6379/11" } })).rejects.toThrow(/^invalid configuration at queue.ulr: unknown key for queue type 'redis'/);
    await expect(attempt({ repository: { type: "postgres", url: "postgres://x", poolsize: 3 } })).rejects.toThrow(/^invalid configuration at repository.poolsize: unknown key for repository type 'postgres'/);
  });
});
