import { isEnded, type ExecutionJson, type LogJson } from "../client/api-types.js";
import type { ApiClient } from "../client/api-client.js";
import { readEventStream } from "../client/event-stream.js";
import { endEvent, ExecutionDiff, type FollowEvent } from "./follow-events.js";

/** where a follow's events go: JSON lines, or a live view on a terminal */
export interface FollowSink {
  event(event: FollowEvent): void;
  /** the latest whole execution, after its events */
  snapshot(execution: ExecutionJson): void;
  /** a connection was lost and is being made again */
  notice(text: string): void;
  close(): void;
}

/** after the end, how long the log stream may take to deliver its last lines */
const TRAILING_LOGS_MS = 5000;

const logKey = (l: LogJson) => `${l.timestamp}\u0000${l.taskRunId ?? ""}\u0000${l.level}\u0000${l.message}`;

/**
 * Follows an execution to its end from the server's two event streams — the execution's
 * snapshots (`/executions/{id}/follow`) and, with `logs`, its log lines (`/logs/{id}/follow`)
 * — and tells the sink each task run's state changes and each log line as they come, then
 * the end. Returns the ended execution. With `from`, only changes after that snapshot are told.
 */
export async function followExecution(client: ApiClient, id: string, sink: FollowSink, options: { logs: boolean; signal?: AbortSignal; from?: ExecutionJson }): Promise<ExecutionJson | undefined> {
  const diff = new ExecutionDiff();
  // what the caller already showed (a restart's answer) is not told again
  if (options.from) diff.next(options.from);
  let last: ExecutionJson | undefined;
  let markEnded: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => (markEnded = resolve));
  const hasEnded = () => last !== undefined && isEnded(last.state.current);
  const logsAbort = new AbortController();
  const stop = () => logsAbort.abort();
  options.signal?.addEventListener("abort", stop, { once: true });
  const notice = (what: string) => (reason: string) => sink.notice(`lost the ${what} stream (${reason}); reconnecting to ${client.baseUrl}…`);

  const executions = readEventStream(client, `/api/v1/executions/${encodeURIComponent(id)}/follow`, {
    signal: options.signal,
    onMessage: (message) => {
      if (message.event !== "execution") return;
      const execution = JSON.parse(message.data) as ExecutionJson;
      last = execution;
      for (const event of diff.next(execution)) sink.event(event);
      sink.snapshot(execution);
      if (hasEnded()) markEnded();
    },
    finished: hasEnded,
    onReconnecting: notice("execution"),
  });

  const sent = new Set<string>();
  // after a restart, the lines of the run before it are not this follow's
  const since = options.from?.state.histories.at(-1)?.date;
  const logs = options.logs
    ? readEventStream(client, `/api/v1/logs/${encodeURIComponent(id)}/follow`, {
        signal: logsAbort.signal,
        onMessage: (message) => {
          if (message.event !== "log") return;
          const entry = JSON.parse(message.data) as LogJson;
          if (since && Date.parse(entry.timestamp) < Date.parse(since)) return;
          const key = logKey(entry);
          if (sent.has(key)) return; // a reopened stream sends the stored lines again
          sent.add(key);
          sink.event({ event: "log", ...entry });
        },
        // the server ends the log stream once the execution has: if it ends first, give the other stream a
        // moment to say so; a lost connection is reopened whatever the state, for the lines still to come
        finished: async (closed) => closed && (hasEnded() || (await Promise.race([ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 1500))]))),
        onReconnecting: notice("log"),
      })
    : Promise.resolve();
  // awaited below; until then a failure must not count as unhandled
  logs.catch(() => undefined);

  try {
    await executions;
    if (options.signal?.aborted) return last;
    const trailing = setTimeout(stop, TRAILING_LOGS_MS);
    await logs.finally(() => clearTimeout(trailing));
  } catch (error) {
    stop();
    await logs.catch(() => undefined);
    throw error;
  } finally {
    options.signal?.removeEventListener("abort", stop);
  }
  if (last && !options.signal?.aborted) sink.event(endEvent(last));
  return last;
}
