import { composeLocalWorker, type InProcessWorker, type LocalWorkerInput } from "@ferry/engine";
import type { FerryConfig } from "@ferry/core";
import { servePortQueue, type ServedPort } from "@ferry/queue-memory";
import { UserError } from "@ferry/sdk";
import { availableParallelism } from "node:os";
import { MessageChannel, Worker as Thread, type MessagePort } from "node:worker_threads";

/** what a worker thread starts from (structured-cloned into it) */
export interface ThreadData {
  config: FerryConfig;
  baseDir: string;
  /** its share of worker.concurrency */
  concurrency: number;
  /** the main thread's memory queue; absent when the configured queue is shared (Redis) and the thread opens its own */
  queuePort?: MessagePort;
}
export type ThreadControl = { t: "stop"; graceMs: number };
export type ThreadReport = { t: "ready"; workerId: string } | { t: "stopped" } | { t: "failed"; message: string };

/**
 * worker.threads, or from the cores: none on two cores or fewer, else up to two, leaving the
 * API and executor one core and libuv's pool, the collector and the kernel's I/O another.
 * Measured on two shared cores (BENCHMARKS.md, "Local mode on both cores"): one thread cost
 * ×1.3 CPU per execution and ×0.88 exec/s at full speed, the main thread's own cost unchanged
 * — no core was idle to take the moved work. One thread keeps up with a saturated main thread
 * (it was a third as busy); a second serves heavy templates. Each costs ~60 MB.
 */
export function localWorkerThreads(worker: { threads?: number; concurrency: number }, cores = availableParallelism()): number {
  return worker.threads ?? (cores <= 2 ? 0 : Math.min(2, cores - 2, worker.concurrency));
}

/** worker.concurrency shared out: thread i of n runs at most this many task runs at once */
export function threadConcurrency(concurrency: number, threads: number, i: number): number {
  return Math.floor(concurrency / threads) + (i < concurrency % threads ? 1 : 0);
}

// under the tests (sources through the "ferry-src" condition) the thread still runs the build
const ENTRY = new URL(import.meta.url.endsWith(".ts") ? "../dist/thread-main.js" : "./thread-main.js", import.meta.url);

/**
 * Local mode's worker (what `ferry server local` hands the server): `localWorkerThreads`
 * worker threads, so that rendering, run contexts, logging and output writes leave the
 * thread of the API and executor; with worker.threads 0, the worker on that thread itself.
 * A thread that dies takes the process with it, as an uncaught error on the one thread
 * would: the task runs it held are resumed by the restart (local mode reconciles at start).
 */
export function composeLocalWorkers(input: LocalWorkerInput): InProcessWorker {
  const count = localWorkerThreads(input.config.worker);
  if (count === 0) return composeLocalWorker(input);
  const threads: Array<{ thread: Thread; served?: ServedPort }> = [];
  let stopping = false;
  const start = async (i: number) => {
    const shared = input.config.queue.type === "memory";
    const channel = shared ? new MessageChannel() : undefined;
    const data: ThreadData = { config: input.config, baseDir: input.baseDir, concurrency: threadConcurrency(input.config.worker.concurrency, count, i), queuePort: channel?.port2 };
    const thread = new Thread(ENTRY, { workerData: data, transferList: channel ? [channel.port2] : [], name: `ferry-worker-${i + 1}` });
    const served = channel ? servePortQueue(input.backends.queue, channel.port1) : undefined;
    threads.push({ thread, served });
    await new Promise<void>((resolve, reject) => {
      let ready = false;
      // before it is ready, a thread's failure fails the start; after, it takes the process down
      const fail = (error: Error) => (ready ? die(i, error) : reject(error));
      thread.on("error", (error) => fail(error));
      thread.on("exit", (code) => stopping || fail(new Error(`worker thread ${i + 1} exited with code ${code}`)));
      const onReport = (report: ThreadReport) => {
        if (report.t === "ready") {
          ready = true;
          resolve();
        } else if (report.t === "failed" && !ready) reject(new UserError(`worker thread ${i + 1}: ${report.message}`));
      };
      thread.on("message", onReport);
    });
  };
  const stopAll = async (graceMs = 0) => {
    stopping = true;
    await Promise.all(
      threads.splice(0).map(async ({ thread, served }) => {
        const stopped = new Promise<void>((resolve) => {
          thread.on("message", (report: ThreadReport) => report.t !== "ready" && resolve());
          thread.once("exit", () => resolve());
        });
        thread.postMessage({ t: "stop", graceMs } satisfies ThreadControl);
        await stopped;
        await served?.close();
        await thread.terminate();
      }),
    );
  };
  return {
    async start() {
      try {
        for (let i = 0; i < count; i++) await start(i);
      } catch (error) {
        await stopAll();
        throw error;
      }
    },
    stop: () => stopAll(),
  };
}

function die(i: number, error: unknown): never {
  console.error(JSON.stringify({ level: "fatal", msg: `worker thread ${i + 1} died: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` }));
  process.exit(70);
}
