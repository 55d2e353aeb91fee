import { UserError, type Queue, type Repository, type SecretBackend, type Storage } from "@ferry/sdk";
import type { FerryConfig } from "./config.schema.js";

type Kind = "repository" | "storage" | "secrets" | "queue";

/**
 * Backends by configured `type`: the package and factory each is made by. A backend is
 * imported only when chosen, so a process never loads a driver it does not use
 * (better-sqlite3 cannot load under Deno, and a worker needs no database at all).
 */
const BACKENDS: Record<Kind, Record<string, [pkg: string, factory: string]>> = {
  repository: {
    sqlite: ["@ferry/repository-sqlite", "createSqliteRepository"],
    postgres: ["@ferry/repository-postgres", "createPostgresRepository"],
    mysql: ["@ferry/repository-mysql", "createMysqlRepository"],
  },
  storage: {
    local: ["@ferry/storage-local", "createLocalStorage"],
    s3: ["@ferry/storage-s3", "createS3Storage"],
  },
  secrets: {
    env: ["@ferry/secrets-env", "createEnvSecretBackend"],
    database: ["@ferry/secrets-database", "createDatabaseSecretBackend"],
    vault: ["@ferry/secrets-vault", "createVaultSecretBackend"],
  },
  queue: {
    memory: ["@ferry/queue-memory", "createMemoryQueue"],
    redis: ["@ferry/queue-redis", "createRedisQueue"],
  },
};

async function create<T>(kind: Kind, options: { type: string }, baseDir: string, context: { repository?: Repository } = {}): Promise<T> {
  const known = BACKENDS[kind];
  const entry = known[options.type];
  if (!entry) throw new UserError(`invalid configuration at ${kind}.type: unknown ${kind} type '${options.type}' (known: ${Object.keys(known).join(", ")})`);
  const [pkg, factory] = entry;
  const module = (await import(pkg)) as Record<string, (options: unknown, baseDir: string, context: { repository?: Repository }) => T>;
  try {
    return module[factory](options, baseDir, context);
  } catch (error) {
    const issues = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
    if (issues?.length) throw new UserError(`invalid configuration at ${kind}.${issues[0].path.join(".")}: ${issues[0].message}`, { cause: error });
    throw error;
  }
}

export interface Backends {
  repository?: Repository;
  storage: Storage;
  secrets: SecretBackend;
  queue: Queue;
}

/**
 * Creates and initialises the configured backends; `repository: false` for a worker (which
 * still gets one when its secrets are kept in the database).
 */
export async function createBackends(config: FerryConfig, baseDir: string, needs: { repository: boolean }): Promise<Backends> {
  const wantsRepository = needs.repository || config.secrets.type === "database";
  const repository = wantsRepository ? await create<Repository>("repository", config.repository, baseDir) : undefined;
  const backends: Backends = {
    repository,
    storage: await create<Storage>("storage", config.storage, baseDir),
    secrets: await create<SecretBackend>("secrets", config.secrets, baseDir, { repository }),
    queue: await create<Queue>("queue", config.queue, baseDir),
  };
  try {
    for (const backend of [backends.repository, backends.storage, backends.secrets, backends.queue] as Array<{ init?(): Promise<void> } | undefined>) {
      await backend?.init?.();
    }
  } catch (error) {
    // close them all, the one that failed too: its client may still be trying to connect
    await closeBackends(backends);
    throw error;
  }
  return backends;
}

/** the configured repository alone, initialised: a worker opens it when a task first needs it (KV) */
export async function openRepository(config: FerryConfig, baseDir: string): Promise<Repository> {
  const repository = await create<Repository>("repository", config.repository, baseDir);
  await repository.init?.();
  return repository;
}

export async function closeBackends(backends: Backends): Promise<void> {
  for (const backend of [backends.queue, backends.secrets, backends.storage, backends.repository] as Array<{ close?(): Promise<void> } | undefined>) {
    await backend?.close?.().catch(() => undefined);
  }
}
