import type { FerryConfig, PluginRegistry } from "@ferry/core";
import type { EngineEvents, ExecutionService, Executor, FlowStore, HistoryExporter, JsonStore, KvStore, Purger, WorkerDirectory } from "@ferry/engine";
import type { Queue, Repository, SecretBackend } from "@ferry/sdk";
import type { Logger } from "pino";
import type { Triggers } from "../triggers/triggers.js";
import type { ExecutionWaiter } from "./execution-waiter.js";
import type { HistoryReader } from "./history-reader.js";

/** What the HTTP routes reach: the composition root builds it once. */
export interface ApiDeps {
  config: FerryConfig;
  repository: Repository;
  queue: Queue;
  secrets: SecretBackend;
  kv: KvStore;
  /** removes ended executions with their logs, metrics and files */
  purger: Purger;
  store: JsonStore;
  flows: FlowStore;
  registry: PluginRegistry;
  executions: ExecutionService;
  executor: Executor;
  events: EngineEvents;
  workers: WorkerDirectory;
  triggers: Triggers;
  /** one per process: every route that waits for executions to end shares its poller */
  waiter: ExecutionWaiter;
  logger: Logger;
  /** history searches and ended executions: the primary, an exported store, or none */
  history: HistoryReader;
  /** feeds an exported history store; absent for `repository` and `none` */
  exporter?: HistoryExporter;
  /** local (API, executor and a worker) or scheduler (workers elsewhere); reported by /api/v1/server/info */
  role?: "local" | "scheduler";
}
