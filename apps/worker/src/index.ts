export { startWorker, type StartWorkerOptions } from "./start-worker.js";
export { runtimeName } from "./runtime.js";
