import { UserError, type Queue, type Repository, type SecretBackend, type Storage } from "@ferry/sdk";
import type { FerryConfig } from "@ferry/core";

type Factory<T> = (options: unknown, baseDir: string) => Promise<T>;

/**
 * Backends by configured `type`. Each is imported only when chosen, so a process never
 * loads a driver it does not use (better-sqlite3 cannot load under Deno).
 */
const REPOSITORIES: Record<string, Factory<Repository>> = {
  sqlite: async (o, base) => (await import("@ferry/repository-sqlite")).createSqliteRepository(o, base),
  postgres: async (o) => (await import("@ferry/repository-postgres")).createPostgresRepository(o),
  mysql: async (o) => (await import("@ferry/repository-mysql")).createMysqlRepository(o),
};
const STORAGES: Record<string, Factory<Storage>> = {
  local: async (o, base) => (await import("@ferry/storage-local")).createLocalStorage(o, base),
};
const SECRETS: Record<string, Factory<SecretBackend>> = {
  env: async (o) => (await import("@ferry/secrets-env")).createEnvSecretBackend(o),
};
const QUEUES: Record<string, Factory<Queue>> = {
  memory: async () => (await import("@ferry/queue-memory")).createMemoryQueue(),
};

async function create<T>(kind: keyof FerryConfig, registry: Record<string, Factory<T>>, options: { type: string }, baseDir: string): Promise<T> {
  const factory = registry[options.type];
  if (!factory) throw new UserError(`invalid configuration at ${kind}.type: unknown ${kind} type '${options.type}' (known: ${Object.keys(registry).join(", ")})`);
  try {
    return await factory(options, baseDir);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const issues = (error as { issues?: Array<{ path: PropertyKey[]; message: string }> }).issues;
    if (issues?.length) throw new UserError(`invalid configuration at ${kind}.${issues[0].path.join(".")}: ${issues[0].message}`, { cause: error });
    throw error;
  }
}

export interface Backends {
  repository: Repository;
  storage: Storage;
  secrets: SecretBackend;
  queue: Queue;
}

export async function createBackends(config: FerryConfig, baseDir: string): Promise<Backends> {
  const backends: Backends = {
    repository: await create("repository", REPOSITORIES, config.repository, baseDir),
    storage: await create("storage", STORAGES, config.storage, baseDir),
    secrets: await create("secrets", SECRETS, config.secrets, baseDir),
    queue: await create("queue", QUEUES, config.queue, baseDir),
  };
  for (const backend of Object.values(backends) as Array<{ init?(): Promise<void> }>) await backend.init?.();
  return backends;
}

export async function closeBackends(backends: Backends): Promise<void> {
  for (const backend of [backends.queue, backends.secrets, backends.storage, backends.repository] as Array<{ close?(): Promise<void> }>) {
    await backend.close?.().catch(() => undefined);
  }
}
