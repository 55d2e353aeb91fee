export * from "./messages.js";
export { JsonStore } from "./json-store.js";
export { buildRenderContext } from "./context.js";
export { configureInstance } from "./instance-variables.js";
export { FlowStore } from "./flow-store.js";
export { assertNoSubflowCycle } from "./subflow-cycles.js";
export { CORRELATION_ID_LABEL, ExecutionService, REPLAY_LABEL, SYSTEM_LABEL_PREFIX, type CreateExecutionRequest } from "./execution-service.js";
export { EngineEvents, type ExecutionChange, type SavedRecords, type TaskRunEnd } from "./events.js";
export { Executor, type ExecutorCommand, type ExecutorDeps } from "./executor/executor.js";
export { Worker, type WorkerOptions } from "./worker/worker.js";
export { resolveProcessUser } from "./worker/process-user.js";
export { startLogWriter, startMetricsWriter } from "./log-writer.js";
export { renderProperties } from "./render-properties.js";
export { WorkerDirectory } from "./worker-directory.js";
export { Reconciler, type ReconcilerOptions } from "./executor/reconciler.js";
export { connectionsOnWorkersOnly, secretFunction } from "./secret-function.js";
export { ENCRYPTED_TYPE, isEncrypted, maskSecretInputs } from "./secret-inputs.js";
export { encryptionKey } from "./encryption-key.js";
export { KvStore, assertKvKey, inferKvType, checkKvValue } from "./kv-store.js";
export { Purger, globToRegExp } from "./purger.js";
export { TaskCache } from "./worker/task-cache.js";
export { customFilesPrefix, filesPrefix, recordsPrefix } from "./storage-keys.js";
export {
  composeLocalWorker, composeScheduler, composeStorageParts, composeWorker, type InProcessWorker, type LocalWorkerInput, type SchedulerInput, type SchedulerParts, type StorageParts,
  type WorkerInput,
} from "./composition.js";
export { BUILT_IN_BACKENDS } from "./built-in-backends.js";
export { resumeCommand } from "./resume-request.js";
export { pausedIteration } from "./executor/loop-execution.js";
export { executionStatistic, type TaskRunStatistic } from "./executor/loop-iterations.js";
export { reviewCommand, type ReviewBody } from "./review-request.js";
export * from "./connections/index.js";
export { SecretMasker } from "./worker/secret-masker.js";
export { buildRunContext, buildTaskRenderContext, type RunInput, type RunParts, type TaskRunContext } from "./worker/run-context.js";
export { connectionResolver, repositoryConnections, withConnections, type ConnectionLookup, type ConnectionResolver } from "./worker/connection-access.js";
export { lazyWorkingDirectory, type WorkingDirectory } from "./worker/working-directory.js";
export { HistoryExporter, type ExportStatus, type HistoryExporterOptions } from "./history/history-exporter.js";
export { EXPORT_LEASE_KEY, ExportLease, type ExportLeaseOptions } from "./history/export-lease.js";
export { PrimaryTrimmer, type PrimaryTrimmerOptions } from "./history/primary-trimmer.js";
