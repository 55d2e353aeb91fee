import { PortQueue } from "@ferry/queue-memory";
import { UserError } from "@ferry/sdk";
import { parentPort, workerData } from "node:worker_threads";
import { startWorker } from "./start-worker.js";
import type { ThreadControl, ThreadData, ThreadReport } from "./worker-threads.js";

/**
 * One of local mode's worker threads: a worker as `ferry server worker` runs, on its own
 * backends and plugins made from the same configuration (its own handles on storage, secrets
 * and, when a task needs it, a second connection to the repository), taking its jobs from the
 * main thread's memory queue over `queuePort`.
 */
const data = workerData as ThreadData;
const control = parentPort!;
const report = (message: ThreadReport) => control.postMessage(message);
const queue = data.queuePort ? new PortQueue(data.queuePort) : undefined;
try {
  const handle = await startWorker({ config: data.config, baseDir: data.baseDir, concurrency: data.concurrency, local: { queue } });
  control.on("message", (message: ThreadControl) => {
    if (message.t !== "stop") return;
    void handle
      .stop(message.graceMs)
      .then(() => report({ t: "stopped" }))
      .catch((error: unknown) => report({ t: "failed", message: String(error) }));
  });
  report({ t: "ready", workerId: handle.worker.id });
} catch (error) {
  report({ t: "failed", message: error instanceof UserError ? error.message : ((error as Error).stack ?? String(error)) });
}
