import type { Command } from "commander";
import type { ExecutionJson } from "../client/api-types.js";
import { clientFor, withServer } from "../client/server-options.js";
import { EXIT_CODES_HELP, UsageError } from "../exit-codes.js";
import { followToEnd } from "../follow/follow-to-end.js";
import { printJson } from "../output/terminal.js";

export const collect = (v: string, all: string[]) => [...all, v];

/** `key=value` pairs of --input, or a usage error naming the one that is not */
export function pairs(values: string[], option: string, separator: string): Array<[string, string]> {
  return values.map((pair) => {
    const at = pair.indexOf(separator);
    if (at <= 0) throw new UsageError(`${option} '${pair}' is not key${separator}value`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

export function registerExecute(program: Command): void {
  withServer(
    program
      .command("execute")
      .description("start an execution of a flow; with --wait, follow it to its end (a live view on a terminal, one JSON object per event otherwise)")
      .argument("<namespace>")
      .argument("<flowId>")
      .option("-i, --input <key=value>", "an input, repeatable", collect, [] as string[])
      .option("-l, --label <key:value>", "a label of the execution, repeatable", collect, [] as string[])
      .option("--schedule-date <date-time>", "create it now, CREATED, and start it at this date-time (ISO-8601 with an offset, e.g. 2026-01-31T12:00:00+01:00)")
      .option("-w, --wait", "follow the execution to its end: each task run as it starts and ends, then the outputs; exit code by its end state")
      .option("--logs", "with --wait (implied), also its log lines as they come")
      .option("--json", "JSON: the execution as created; with --wait, one object per event (as when stdout is not a terminal)"),
  )
    .addHelpText("after", EXIT_CODES_HELP)
    .action(async (namespace: string, flowId: string, options: { input: string[]; label: string[]; scheduleDate?: string; wait?: boolean; logs?: boolean; json?: boolean; server?: string; config?: string }) => {
      const client = clientFor(options);
      const form = new FormData();
      for (const [key, value] of pairs(options.input, "--input", "=")) form.append(key, value);
      const query = new URLSearchParams(pairs(options.label, "--label", ":").map(([k, v]) => ["labels", `${k}:${v}`]));
      // the server checks it (400 naming what is wrong); URLSearchParams encodes the offset's '+'
      if (options.scheduleDate !== undefined) query.set("scheduleDate", options.scheduleDate);
      const path = `/api/v1/executions/${encodeURIComponent(namespace)}/${encodeURIComponent(flowId)}${query.size ? `?${query}` : ""}`;
      const execution = await client.expect<ExecutionJson>("POST", path, form);
      if (!options.wait && !options.logs) {
        if (options.json) printJson(execution);
        else console.log(`execution ${execution.id} of ${namespace}.${flowId}: ${execution.state.current}`);
        return;
      }
      process.exitCode = await followToEnd(client, execution.id, { logs: options.logs, json: options.json });
    });
}
