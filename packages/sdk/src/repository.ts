import type { ChangeFeedRepository } from "./repositories/change-feed.repository.js";
import type { ClaimRepository } from "./repositories/claim.repository.js";
import type { ConcurrencyRepository } from "./repositories/concurrency.repository.js";
import type { ConnectionRepository } from "./repositories/connection.repository.js";
import type { ExecutionRepository } from "./repositories/execution.repository.js";
import type { FlowRepository } from "./repositories/flow.repository.js";
import type { KvRepository } from "./repositories/kv.repository.js";
import type { LogRepository } from "./repositories/log.repository.js";
import type { MetricRepository } from "./repositories/metric.repository.js";
import type { NamespaceRepository } from "./repositories/namespace.repository.js";
import type { SecretRepository } from "./repositories/secret.repository.js";
import type { TaskCacheRepository } from "./repositories/task-cache.repository.js";
import type { TriggerRepository } from "./repositories/trigger.repository.js";

export type * from "./repositories/change-feed.repository.js";
export type * from "./repositories/claim.repository.js";
export type * from "./repositories/concurrency.repository.js";
export type * from "./repositories/connection.repository.js";
export type * from "./repositories/execution.repository.js";
export type * from "./repositories/flow.repository.js";
export type * from "./repositories/kv.repository.js";
export type * from "./repositories/log.repository.js";
export type * from "./repositories/metric.repository.js";
export type * from "./repositories/namespace.repository.js";
export type * from "./repositories/secret.repository.js";
export type * from "./repositories/task-cache.repository.js";
export type * from "./repositories/trigger.repository.js";

/**
 * The system of record: one repository per entity, as Kestra splits its own, and `Repository`
 * the whole of them, which a repository backend implements. A part of the engine that needs
 * one entity may take its narrower interface. Each entity's invariants are on its interface;
 * these hold for all (the repository contract suite checks them):
 *
 * - It holds metadata and pointers only. Inputs, outputs and files are storage URIs.
 * - Every write of one record (KV pair, secret, connection, task cache entry, trigger state) is
 *   atomic: of concurrent writers, the record ends as one of them wrote it, and none fails for
 *   having raced another (a unique-key race is the repository's to absorb, not its caller's).
 * - Reads return copies: mutating a returned record changes nothing stored.
 * - Pages are 1-based; `total` counts every match.
 *
 * Left out on purpose: any query over user data values (there are none to query).
 */
export interface Repository
  extends FlowRepository, ExecutionRepository, LogRepository, MetricRepository, TaskCacheRepository, TriggerRepository, ClaimRepository,
    ConcurrencyRepository, SecretRepository, KvRepository, ConnectionRepository, NamespaceRepository, ChangeFeedRepository {
  init?(): Promise<void>;
  close?(): Promise<void>;
}
