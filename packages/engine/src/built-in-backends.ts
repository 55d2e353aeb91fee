import type { BuiltInBackends } from "@ferry/core";

/**
 * The backends that come with Ferry: the names a configuration's `type:` may use for them,
 * and the npm package each name stands for. The server, the worker and the CLI (local mode,
 * `ferry config check`) compose with this table, so core lists none of our packages and
 * resolves a built-in exactly as an outside backend (`type: ./my-backend` or a package
 * name). Each package is imported only when its name is chosen.
 */
export const BUILT_IN_BACKENDS: BuiltInBackends = {
  repository: { sqlite: "@ferry/repository-sqlite", postgres: "@ferry/repository-postgres", mysql: "@ferry/repository-mysql" },
  storage: { local: "@ferry/storage-local", s3: "@ferry/storage-s3" },
  secrets: { env: "@ferry/secrets-env", database: "@ferry/secrets-database", vault: "@ferry/secrets-vault" },
  queue: { memory: "@ferry/queue-memory", redis: "@ferry/queue-redis" },
  history: { repository: "@ferry/history-repository", postgres: "@ferry/history-postgres", none: "@ferry/history-none" },
};
