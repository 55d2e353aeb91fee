import type { LogEntry, Queue, Repository, Subscription } from "@ferry/sdk";
import { LOGS_CHANNEL } from "./messages.js";

/** Moves log batches from the logs channel into the repository. */
export async function startLogWriter(queue: Queue, repository: Repository, onError?: (e: unknown) => void): Promise<Subscription> {
  return queue.consume<LogEntry[]>(LOGS_CHANNEL, (batch) => repository.appendLogs(batch), { concurrency: 1, onError });
}
