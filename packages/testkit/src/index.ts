export { storageContract } from "./storage.contract.js";
export { queueContract } from "./queue.contract.js";
export { repositoryContract } from "./repository.contract.js";
export { secretBackendContract, CONTRACT_SECRETS } from "./secret-backend.contract.js";
export { historyContract, positionAfter, PRIMARY_ANSWERS_SKIPS, type HistoryFixture } from "./history.contract.js";
export { executionOf, idAt, logsOf, type ExecutionSpec } from "./history-fixtures.js";
export type { Skips } from "./skips.js";
export { runTask, type RunTaskOptions, type RunTaskResult } from "./run-task.js";
export { writeGroupFaultCases, type WriteGroupFaultOptions } from "./write-group-faults.js";
