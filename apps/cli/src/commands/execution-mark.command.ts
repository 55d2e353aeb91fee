import type { Command } from "commander";
import type { ExecutionJson } from "../client/api-types.js";
import { clientFor, withServer } from "../client/server-options.js";
import { UsageError } from "../exit-codes.js";
import { answerOrFollow, taskRunOf, withFollow } from "./execution-actions.command.js";
import { executionPath } from "./execution-filters.js";

const STATES = ["SUCCESS", "WARNING", "FAILED"];

/** `executions mark`: Kestra's "change task run state" (POST /api/v1/executions/{id}/state) */
export function registerExecutionMark(executions: Command): void {
  withServer(
    withFollow(
      executions
        .command("mark")
        .description("set a task run of an ended execution to SUCCESS, WARNING or FAILED: its parents and the execution carry on from there")
        .argument("<id>", "execution id")
        .requiredOption("--state <state>", STATES.join(", "))
        .option("-t, --task <taskId>", "the run of this task (a task that ran more than once, in a loop, needs --task-run)")
        .option("--task-run <taskRunId>", "this task run (`executions get --json` lists them)"),
    ),
  ).action(async (id: string, options: { state: string; task?: string; taskRun?: string; wait?: boolean; logs?: boolean; json?: boolean }) => {
    const state = options.state.toUpperCase();
    if (!STATES.includes(state)) throw new UsageError(`--state must be one of ${STATES.join(", ")}, not ${options.state}`);
    if (Boolean(options.task) === Boolean(options.taskRun)) throw new UsageError("give one of --task and --task-run");
    const client = clientFor(options);
    const taskRunId = options.task ? await taskRunOf(client, id, options.task) : options.taskRun!;
    const execution = await client.expect<ExecutionJson>("POST", executionPath(id, "/state"), JSON.stringify({ taskRunId, state }), "application/json");
    await answerOrFollow(options, execution, `task run ${taskRunId} marked ${state}`);
  });
}
