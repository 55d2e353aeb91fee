import { isUnavailable, type LogEntry, type MetricEntry, type Queue, type Repository, type Subscription } from "@ferry/sdk";
import type { EngineEvents } from "./events.js";
import { LOGS_CHANNEL, METRICS_CHANNEL } from "./messages.js";

/** batches in flight at once: while one insert runs, the next ones gather */
const IN_FLIGHT = 256;
/** batches written by one insert at most */
const GROUP = 200;

/**
 * Consumes batches from a channel and writes them with group commit: batches that arrive
 * while an insert runs are written together by the next one, so a busy server writes in a
 * few large inserts instead of one round trip per task; each batch is acknowledged only once
 * its insert succeeded.
 */
async function startGroupWriter<T>(queue: Queue, channel: string, write: (entries: T[]) => Promise<void>, onError?: (e: unknown) => void): Promise<Subscription> {
  const waiting: Array<{ entries: T[]; done: () => void; failed: (error: unknown) => void }> = [];
  let writing = false;
  let closed = false;
  const drain = async () => {
    writing = true;
    for (let outage = 0; waiting.length; ) {
      const group = waiting.splice(0, GROUP);
      try {
        await write(group.flatMap((g) => g.entries));
        outage = 0;
        for (const g of group) g.done();
      } catch (error) {
        if (isUnavailable(error) && !closed) {
          // the database is out of reach: keep the batches (unacknowledged) and write them once it is back
          waiting.unshift(...group);
          await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** outage++)));
          continue;
        }
        for (const g of group) g.failed(error);
      }
    }
    writing = false;
  };
  const enqueue = (entries: T[]) =>
    new Promise<void>((done, failed) => {
      waiting.push({ entries, done, failed });
      if (!writing) void drain();
    });
  const subscription = await queue.consume<T[]>(channel, enqueue, { concurrency: IN_FLIGHT, onError });
  return {
    close: async () => {
      closed = true;
      await subscription.close();
    },
  };
}

/** Moves log batches from the logs channel into the repository (and tells followers in this process). */
export function startLogWriter(queue: Queue, repository: Repository, onError?: (e: unknown) => void, events?: EngineEvents): Promise<Subscription> {
  return startGroupWriter<LogEntry>(
    queue,
    LOGS_CHANNEL,
    async (entries) => {
      await repository.appendLogs(entries);
      events?.emit("logs", entries);
    },
    onError,
  );
}

/** Moves the metrics tasks reported into the repository. */
export function startMetricsWriter(queue: Queue, repository: Repository, onError?: (e: unknown) => void): Promise<Subscription> {
  return startGroupWriter<MetricEntry>(queue, METRICS_CHANNEL, (entries) => repository.appendMetrics(entries), onError);
}
