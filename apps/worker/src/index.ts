export { startWorker, type StartWorkerOptions } from "./start-worker.js";
export { runtimeName } from "./runtime.js";
export { composeLocalWorkers, localWorkerThreads, threadConcurrency } from "./worker-threads.js";
