import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** how often the thread copies the WAL's new pages back into the database file */
const INTERVAL_MS = 200;
/**
 * The writer's own automatic checkpoint, kept at this many WAL frames (~40 MB of 4 KiB pages)
 * rather than SQLite's 1,000. A checkpoint from another connection never waits for the writer,
 * so under writes that never pause the WAL is never found wholly copied when a write begins —
 * only then does SQLite start it over — and it would grow without end. The writer's checkpoint
 * runs between its writes, so it copies all that is left and the next write starts the WAL
 * over; the thread having copied all but the last ~200 ms of it, that checkpoint is small, and
 * ten times rarer than SQLite's default.
 */
export const WRITER_CHECKPOINT_FRAMES = 10_000;

export interface CheckpointResult {
  /** frames in the WAL, and how many of them are now in the database file */
  log: number;
  checkpointed: number;
}

// CommonJS in an eval'd thread: runs the same from dist/ and, under Vitest, from src/
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("busy_timeout = 1000");
let timer;
const tick = () => {
  try {
    const [result] = db.pragma("wal_checkpoint(PASSIVE)");
    if (workerData.report) parentPort.postMessage({ log: result.log, checkpointed: result.checkpointed });
  } catch (error) {
    // SQLITE_BUSY (another checkpoint, a long write): the next tick tries again
    if (error && error.code !== "SQLITE_BUSY" && error.code !== "SQLITE_LOCKED") throw error;
  }
  timer = setTimeout(tick, workerData.intervalMs);
};
parentPort.on("message", (message) => {
  if (message !== "stop") return;
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
timer = setTimeout(tick, workerData.intervalMs);
`;

/**
 * WAL checkpoints made by a thread of their own, on a connection of its own, so the event loop
 * never makes one. SQLite's automatic checkpoint runs inside the commit that takes the WAL past
 * 1,000 pages: it copies those pages into the database file and syncs both files (two fsyncs at
 * synchronous = NORMAL), on the event loop, which waits for it with every request and event
 * behind it. benchmark01 writes ~24 WAL pages per execution: at 200/s a checkpoint every ~0.2 s.
 * A PASSIVE checkpoint from another connection runs beside the writer (WAL's readers and one
 * writer do not block it). The writer's connection keeps its own for a WAL of
 * WRITER_CHECKPOINT_FRAMES (see there) while this thread runs, and goes back to SQLite's 1,000
 * should the thread fail.
 */
export class Checkpointer {
  private stopped?: Promise<void>;
  private exited = false;
  private failedOnce = false;

  private constructor(
    private readonly worker: Worker,
    private readonly onFailure: (error: Error) => void,
  ) {}

  private failed(error: Error): void {
    if (this.failedOnce || this.stopped) return;
    this.failedOnce = true;
    this.onFailure(error);
  }

  /** starts the thread on `file`; `onResult` hears each checkpoint's figures (none are sent without it), `onFailure` a thread that stopped checkpointing */
  static start(file: string, onFailure: (error: Error) => void, onResult?: (result: CheckpointResult) => void, intervalMs = INTERVAL_MS): Checkpointer {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, file, intervalMs, report: onResult !== undefined } });
    // a thread that checkpoints does not keep the process alive
    worker.unref();
    const checkpointer = new Checkpointer(worker, onFailure);
    if (onResult) worker.on("message", onResult);
    worker.once("error", (error) => checkpointer.failed(error));
    worker.once("exit", (code) => {
      checkpointer.exited = true;
      checkpointer.failed(new Error(`the WAL checkpoint thread exited (code ${code})`));
    });
    return checkpointer;
  }

  /** stops the thread once its checkpoint in progress, if any, is done; its connection is closed */
  stop(): Promise<void> {
    this.stopped ??= new Promise<void>((resolve) => {
      if (this.exited) return resolve();
      this.worker.once("exit", () => resolve());
      // held while awaited: an unref'd thread does not keep the event loop alive, and a process with nothing else
      // left (a server whose start failed, closing its repository) would end with this promise unsettled (exit 13)
      this.worker.ref();
      this.worker.postMessage("stop");
    });
    return this.stopped;
  }
}
