import type { Command } from "commander";
import type { ExecutionJson } from "../client/api-types.js";
import { clientFor, withServer } from "../client/server-options.js";
import { followToEnd } from "../follow/follow-to-end.js";
import { printJson } from "../output/terminal.js";
import { executionPath } from "./execution-filters.js";

interface FollowOptions {
  wait?: boolean;
  logs?: boolean;
  json?: boolean;
}

/** the answer of an action, or, with --wait (or --logs), the execution followed to its end */
async function answerOrFollow(options: FollowOptions & { server?: string; config?: string }, execution: ExecutionJson, done: string): Promise<void> {
  if (options.wait || options.logs) {
    process.exitCode = await followToEnd(clientFor(options), execution.id, { ...options, from: execution });
    return;
  }
  if (options.json) printJson(execution);
  else console.log(`execution ${execution.id}: ${done} (${execution.state.current})`);
}

const withFollow = (command: Command) =>
  command
    .option("-w, --wait", "then follow it to its end, exit code by its end state")
    .option("--logs", "with --wait (implied), also its log lines as they come")
    .option("--json", "the execution as JSON; with --wait, one object per event");

export function registerExecutionActions(executions: Command): void {
  withServer(
    executions
      .command("follow")
      .description("follow an execution to its end: each task run as it starts and ends, then the outputs (a live view on a terminal, one JSON object per event otherwise); exit code by its end state")
      .argument("<id>", "execution id")
      .option("--logs", "also its log lines as they come")
      .option("--json", "one JSON object per event, even on a terminal"),
  ).action(async (id: string, options: { logs?: boolean; json?: boolean }) => {
    process.exitCode = await followToEnd(clientFor(options), id, options);
  });

  withServer(
    executions
      .command("kill")
      .description("kill a running execution: its running tasks are stopped, it ends KILLED")
      .argument("<id>", "execution id")
      .option("--json", "the execution as the API answers it"),
  ).action(async (id: string, options: { json?: boolean }) => {
    const execution = await clientFor(options).expect<ExecutionJson>("DELETE", executionPath(id, "/kill"));
    if (options.json) printJson(execution);
    else console.log(`execution ${execution.id}: kill requested (${execution.state.current})`);
  });

  withServer(
    withFollow(
      executions
        .command("restart")
        .description("restart a FAILED or KILLED execution from its failed task runs, on the same inputs")
        .argument("<id>", "execution id"),
    ),
  ).action(async (id: string, options: FollowOptions) => {
    const execution = await clientFor(options).expect<ExecutionJson>("POST", executionPath(id, "/restart"));
    await answerOrFollow(options, execution, "restarted");
  });
}
