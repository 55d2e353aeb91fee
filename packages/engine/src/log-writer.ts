import type { LogEntry, Queue, Repository, Subscription } from "@ferry/sdk";
import type { EngineEvents } from "./events.js";
import { LOGS_CHANNEL } from "./messages.js";

/** batches in flight at once: while one insert runs, the next ones gather */
const IN_FLIGHT = 256;
/** batches written by one insert at most */
const GROUP = 200;

/**
 * Moves log batches from the logs channel into the repository. Batches that arrive while an
 * insert runs are written together by the next one (group commit), so a busy server writes
 * logs in a few large inserts instead of one round trip per task; each batch is acknowledged
 * only once its insert succeeded.
 */
export async function startLogWriter(queue: Queue, repository: Repository, onError?: (e: unknown) => void, events?: EngineEvents): Promise<Subscription> {
  const waiting: Array<{ entries: LogEntry[]; done: () => void; failed: (error: unknown) => void }> = [];
  let writing = false;
  const drain = async () => {
    writing = true;
    while (waiting.length) {
      const group = waiting.splice(0, GROUP);
      try {
        const entries = group.flatMap((g) => g.entries);
        await repository.appendLogs(entries);
        for (const g of group) g.done();
        events?.emit("logs", entries);
      } catch (error) {
        for (const g of group) g.failed(error);
      }
    }
    writing = false;
  };
  const write = (entries: LogEntry[]) =>
    new Promise<void>((done, failed) => {
      waiting.push({ entries, done, failed });
      if (!writing) void drain();
    });
  return queue.consume<LogEntry[]>(LOGS_CHANNEL, write, { concurrency: IN_FLIGHT, onError });
}
