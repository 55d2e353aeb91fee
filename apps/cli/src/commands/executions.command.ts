import type { Command } from "commander";
import { runName, type ExecutionJson, type LogJson, type Page } from "../client/api-types.js";
import { clientFor, withServer } from "../client/server-options.js";
import { EXIT_CODES_HELP, UsageError } from "../exit-codes.js";
import { logLine } from "../output/log-line.js";
import { collect, integerIn } from "../output/option-parsers.js";
import { pastDate } from "../output/since.js";
import { colorState, humanDuration, printJson, printTable } from "../output/terminal.js";
import { registerExecutionActions } from "./execution-actions.command.js";
import { registerExecutionMark } from "./execution-mark.command.js";
import { executionFilters, executionPath } from "./execution-filters.js";
import { registerExecutionPurge } from "./execution-purge.command.js";


const elapsed = (e: ExecutionJson) => {
  const first = e.state.histories[0]?.date;
  const end = e.state.endDate ?? (["SUCCESS", "WARNING", "FAILED", "KILLED"].includes(e.state.current) ? e.state.histories.at(-1)?.date : undefined);
  return first ? humanDuration(Date.parse(end ?? new Date().toISOString()) - Date.parse(first)) : "-";
};

export function registerExecutions(program: Command): void {
  const executions = program.command("executions").description("list, inspect, follow, kill, restart, replay, mark and purge executions").addHelpText("after", EXIT_CODES_HELP);

  withServer(
    executions
      .command("list")
      .description("the latest executions, newest first (a table; --json for {results, total})")
      .option("-n, --namespace <namespace>", "only this namespace and its children")
      .option("-f, --flow <flowId>", "only this flow")
      .option("--state <state>", "only executions in this state (repeatable, or comma-separated)", collect, [] as string[])
      .option("--label <key:value>", "only executions with this label (repeatable: all of them)", collect, [] as string[])
      .option("--since <when>", "only those started since: 30m, 2h, 7d, PT2H, or a date 2026-11-01T08:00:00Z")
      .option("--limit <n>", "at most this many (1 to 1000)", integerIn(1, 1000), 25)
      .option("--json", "the server's answer as JSON: {results, total}"),
  ).action(async (options: { namespace?: string; flow?: string; state: string[]; label: string[]; since?: string; limit: number; json?: boolean }) => {
    const query = executionFilters(options, new URLSearchParams({ size: String(options.limit) }));
    if (options.since) query.set("startDate", pastDate(options.since));
    const page = await clientFor(options).expect<Page<ExecutionJson>>("GET", `/api/v1/executions/search?${query}`);
    if (options.json) return printJson(page);
    if (!page.results.length) return console.log("no executions");
    printTable(
      ["ID", "FLOW", "STATE", "STARTED", "DURATION", "LABELS"],
      page.results.map((e) => [e.id, `${e.namespace}.${e.flowId}`, colorState(e.state.current), e.state.histories[0]?.date ?? "-", elapsed(e), ownLabels(e.labels).map((l) => `${l.key}:${l.value}`).join(",")]),
    );
    if (page.total > page.results.length) console.log(`${page.results.length} of ${page.total} (--limit for more)`);
  });

  withServer(
    executions
      .command("get")
      .description("an execution: its state, inputs, outputs and task runs")
      .argument("<id>", "execution id")
      .option("--json", "the execution as the API answers it"),
  ).action(async (id: string, options: { json?: boolean }) => {
    const e = await clientFor(options).expect<ExecutionJson>("GET", executionPath(id));
    if (options.json) return printJson(e);
    console.log(`execution ${e.id}`);
    console.log(`  flow      ${e.namespace}.${e.flowId} (revision ${e.flowRevision})`);
    console.log(`  state     ${colorState(e.state.current)} (${elapsed(e)})`);
    console.log(`  started   ${e.state.histories[0]?.date ?? "-"}`);
    if (e.labels.length) console.log(`  labels    ${e.labels.map((l) => `${l.key}:${l.value}`).join(", ")}`);
    if (e.inputs && Object.keys(e.inputs).length) console.log(`  inputs    ${JSON.stringify(e.inputs)}`);
    if (e.outputs && Object.keys(e.outputs).length) console.log(`  outputs   ${JSON.stringify(e.outputs)}`);
    if (!e.taskRunList.length) return;
    console.log("");
    printTable(
      ["TASK", "STATE", "ATTEMPTS", "DURATION", "OUTPUTS"],
      e.taskRunList.map((r) => {
        const end = r.state.histories.at(-1)?.date;
        const ms = end && ["SUCCESS", "WARNING", "FAILED", "KILLED", "SKIPPED"].includes(r.state.current) ? Date.parse(end) - Date.parse(r.state.histories[0].date) : Number.NaN;
        return [runName(r), colorState(r.state.current), String(r.attempts.length), humanDuration(ms), r.outputs ? JSON.stringify(r.outputs) : ""];
      }),
    );
  });

  withServer(
    executions
      .command("logs")
      .description("the log lines of an execution (as they are stored now; `executions follow --logs` streams them)")
      .argument("<id>", "execution id")
      .option("-t, --task <taskId>", "only this task's lines")
      .option("--level <level>", "only lines at this level or above: TRACE, DEBUG, INFO, WARN, ERROR")
      .option("--json", "one JSON object per line"),
  ).action(async (id: string, options: { task?: string; level?: string; json?: boolean }) => {
    const query = new URLSearchParams();
    if (options.task) query.set("taskId", options.task);
    if (options.level) {
      const level = options.level.toUpperCase();
      if (!["TRACE", "DEBUG", "INFO", "WARN", "ERROR"].includes(level)) throw new UsageError(`--level '${options.level}' is not a level (TRACE, DEBUG, INFO, WARN, ERROR)`);
      query.set("minLevel", level);
    }
    const logs = await clientFor(options).expect<LogJson[]>("GET", `/api/v1/logs/${encodeURIComponent(id)}${query.size ? `?${query}` : ""}`);
    for (const entry of logs) console.log(options.json ? JSON.stringify(entry) : logLine(entry));
  });

  registerExecutionActions(executions);
  registerExecutionMark(executions);
  registerExecutionPurge(executions);
}

/** the labels a user set: Ferry's own `system.*` ones (a correlation id per execution) crowd a table; `get` and --json show them */
function ownLabels(labels: Array<{ key: string; value: string }>) {
  return labels.filter((l) => !l.key.startsWith("system."));
}
