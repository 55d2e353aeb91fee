import type { Callable } from "@ferry/core";
import { UserError, type LogEntry, type Repository } from "@ferry/sdk";

/** the ERROR lines of an execution, as the repository holds them */
export type ErrorLogReader = (executionId: string) => Promise<LogEntry[]>;

/** reads from a repository asked for when first needed (a worker opens one only when a task uses it) */
export function errorLogReader(repository: () => Promise<Repository>): ErrorLogReader {
  return async (executionId) => (await repository()).findLogs(executionId, { minLevel: "ERROR" });
}

// Kestra's ErrorLogsFunction retries an empty answer: lines travel to the repository through a
// queue, so those of the task that just failed may land a moment after its state
const FIRST_WAIT_MS = 100;
const LONGEST_WAIT_MS = 1000;
const MOST_MS = 5000;
// time left to the render after the last look, to print what was found
const MARGIN_MS = 250;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * errorLogs(): the execution's ERROR log lines, oldest first, each as Kestra prints a LogEntry
 * (namespace, flowId, taskId, executionId, taskRunId, attemptNumber, timestamp, level,
 * message). Looked for again while there are none, for at most 5 s (less when the render has
 * less time left), then an empty list, as Kestra's does.
 */
export function errorLogsFunction(read: ErrorLogReader, executionId: string): Callable {
  return async (_args, _named, call) => {
    const deadline = Date.now() + Math.min(MOST_MS, Math.max(0, (call?.remainingMs ?? MOST_MS) - MARGIN_MS));
    for (let wait = FIRST_WAIT_MS; ; wait = Math.min(wait * 2, LONGEST_WAIT_MS)) {
      const logs = await read(executionId);
      if (logs.length) return logs.map((l) => ({ ...l }));
      if (Date.now() + wait > deadline) return [];
      await sleep(wait);
    }
  };
}

/** where no repository is at hand (the executor renders flowable properties and flow outputs) */
export const errorLogsOnWorkersOnly: Callable = () => {
  throw new UserError("The 'errorLogs' function can only be used where tasks run (a task's properties), as it reads logs from the database");
};
