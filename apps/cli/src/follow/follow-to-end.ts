import type { ApiClient } from "../client/api-client.js";
import type { ExecutionJson, LogJson } from "../client/api-types.js";
import { exitCodeOf } from "../exit-codes.js";
import { logLine } from "../output/log-line.js";
import { isInteractive } from "../output/terminal.js";
import { followExecution } from "./follow-execution.js";
import { jsonSink } from "./json.sink.js";

/** what ferry exits with when Ctrl-C stops a follow (128 + SIGINT, as shells report it) */
export const INTERRUPTED = 130;

/**
 * Follows an execution to its end, as `execute --wait`, `executions follow` and
 * `executions restart --wait` do: a live view on a terminal, JSON lines otherwise. Returns
 * the exit code its end state means. Ctrl-C stops following, not the execution.
 */
export async function followToEnd(client: ApiClient, id: string, options: { logs?: boolean; json?: boolean; from?: ExecutionJson }): Promise<number> {
  const live = !options.json && isInteractive();
  // log-update is loaded only to draw
  const sink = live ? (await import("./live.sink.js")).liveSink() : jsonSink();
  const abort = new AbortController();
  const interrupt = () => abort.abort();
  // on(), not once(): log-update's cursor restorer (signal-exit) kills the process on SIGINT
  // when it finds itself the only listener left, and once() removes ours before it looks
  process.on("SIGINT", interrupt);
  let execution: ExecutionJson | undefined;
  try {
    execution = await followExecution(client, id, sink, { logs: Boolean(options.logs), signal: abort.signal, from: options.from });
  } finally {
    sink.close();
    process.off("SIGINT", interrupt);
  }
  if (abort.signal.aborted || !execution) {
    process.stderr.write(`ferry: stopped following; execution ${id} goes on (ferry executions kill ${id} stops it)\n`);
    return INTERRUPTED;
  }
  if (live) {
    const outputs = execution.outputs as Record<string, unknown> | undefined;
    if (outputs && Object.keys(outputs).length) console.log(`outputs: ${JSON.stringify(outputs, null, 2)}`);
    if (execution.state.current === "FAILED" && !options.logs) {
      // why it failed, without asking for every log line
      const errors = await client.expect<LogJson[]>("GET", `/api/v1/logs/${encodeURIComponent(id)}?minLevel=ERROR`).catch(() => []);
      for (const entry of errors) console.log(logLine(entry));
    }
  }
  return exitCodeOf(execution.state.current);
}
