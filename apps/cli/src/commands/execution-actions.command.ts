import { UserError } from "@ferry/sdk/basics";
import type { Command } from "commander";
import { runName, type ExecutionJson } from "../client/api-types.js";
import { clientFor, withServer } from "../client/server-options.js";
import { UsageError } from "../exit-codes.js";
import { followToEnd } from "../follow/follow-to-end.js";
import { integerIn } from "../output/option-parsers.js";
import { printJson } from "../output/terminal.js";
import { executionPath } from "./execution-filters.js";
import { collect, pairs } from "./execute.command.js";

interface FollowOptions {
  wait?: boolean;
  logs?: boolean;
  json?: boolean;
}

/** the answer of an action, or, with --wait (or --logs), the execution followed to its end */
export async function answerOrFollow(options: FollowOptions & { server?: string; config?: string }, execution: ExecutionJson, done: string): Promise<void> {
  if (options.wait || options.logs) {
    process.exitCode = await followToEnd(clientFor(options), execution.id, { ...options, from: execution });
    return;
  }
  if (options.json) printJson(execution);
  else console.log(`execution ${execution.id}: ${done} (${execution.state.current})`);
}

export const withFollow = (command: Command) =>
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
        .description("restart a FAILED, KILLED or PAUSED execution from its failed or paused task runs (a paused Pause goes on without onResume outputs, an Approval ends without a decision, a loop waiting its interval checks its condition again; a PAUSING one is refused), on the same inputs (it answers RESTARTED, then runs)")
        .argument("<id>", "execution id")
        .option("-r, --revision <n>", "restart on this revision of the flow, as a new execution (Kestra's restart with a revision)", integerIn(1, 2_147_483_647)),
    ),
  ).action(async (id: string, options: FollowOptions & { revision?: number }) => {
    const query = options.revision ? `?revision=${options.revision}` : "";
    const execution = await clientFor(options).expect<ExecutionJson>("POST", executionPath(id, `/restart${query}`));
    await answerOrFollow(options, execution, execution.id === id ? "restarted" : `restart of ${id} on revision ${options.revision}`);
  });

  withServer(
    withFollow(
      executions
        .command("resume")
        .description("resume a PAUSED execution: its Pause task goes on, with the onResume inputs given (typed as the Pause declares them)")
        .argument("<id>", "execution id")
        .option("-i, --input <key=value>", "an onResume input, repeatable", collect, [] as string[]),
    ),
  ).action(async (id: string, options: FollowOptions & { input: string[] }) => {
    const form = new FormData();
    for (const [key, value] of pairs(options.input, "--input", "=")) form.append(key, value);
    const execution = await clientFor(options).expect<ExecutionJson>("POST", executionPath(id, "/resume"), form);
    await answerOrFollow(options, execution, "resumed");
  });

  withServer(
    withFollow(
      executions
        .command("review")
        .description("review a PAUSED Approval: --approve runs its onApprove, --deny its onDeny, with a comment and its inputs (typed as the Approval declares them)")
        .argument("<id>", "execution id")
        .option("--approve", "approve the request")
        .option("--deny", "deny the request")
        .option("-m, --comment <text>", "the reviewer's comment (required when the Approval's commentRequired asks for it)")
        .option("-i, --input <key=value>", "an input of the Approval, repeatable", collect, [] as string[])
        .option("--task-run <taskRunId>", "which Approval, when several wait (`executions get --json` lists them)"),
    ),
  ).action(async (id: string, options: FollowOptions & { approve?: boolean; deny?: boolean; comment?: string; input: string[]; taskRun?: string }) => {
    if (Boolean(options.approve) === Boolean(options.deny)) throw new UsageError("give one of --approve and --deny");
    const body = {
      decision: options.approve ? "APPROVED" : "DENIED",
      ...(options.comment !== undefined ? { comment: options.comment } : {}),
      inputs: Object.fromEntries(pairs(options.input, "--input", "=")),
      ...(options.taskRun ? { taskRunId: options.taskRun } : {}),
    };
    const execution = await clientFor(options).expect<ExecutionJson>("POST", executionPath(id, "/actions/review"), JSON.stringify(body), "application/json");
    await answerOrFollow(options, execution, options.approve ? "approved" : "denied");
  });

  withServer(
    withFollow(
      executions
        .command("replay")
        .description("run an ended execution again as a new one, on its inputs: from the start, or from one task run on (the runs before it keep their outputs)")
        .argument("<id>", "execution id")
        .option("-t, --task <taskId>", "replay from the run of this task (a task that ran more than once, in a loop, needs --task-run)")
        .option("--task-run <taskRunId>", "replay from this task run (`executions get --json` lists them)")
        .option("-r, --revision <n>", "with this revision of the flow (default: the one it ran with)", integerIn(1, 2_147_483_647)),
    ),
  ).action(async (id: string, options: FollowOptions & { task?: string; taskRun?: string; revision?: number }) => {
    if (options.task && options.taskRun) throw new UsageError("--task and --task-run both name where to replay from: give one");
    const client = clientFor(options);
    const taskRunId = options.task ? await taskRunOf(client, id, options.task) : options.taskRun;
    const query = new URLSearchParams();
    if (taskRunId) query.set("taskRunId", taskRunId);
    if (options.revision) query.set("revision", String(options.revision));
    const replay = await client.expect<ExecutionJson>("POST", executionPath(id, `/replay${query.size ? `?${query}` : ""}`));
    if (options.wait || options.logs) {
      process.exitCode = await followToEnd(client, replay.id, options);
      return;
    }
    if (options.json) printJson(replay);
    else console.log(`execution ${replay.id}: replay of ${id} (${replay.state.current})`);
  });
}

/** the one run of a task in an execution: a task that ran more than once (in a loop) needs its task run id */
export async function taskRunOf(client: ReturnType<typeof clientFor>, id: string, task: string): Promise<string> {
  const source = await client.expect<ExecutionJson>("GET", executionPath(id));
  const runs = source.taskRunList.filter((r) => r.taskId === task);
  if (!runs.length) throw new UserError(`execution ${id} has no run of task ${task} (its tasks: ${[...new Set(source.taskRunList.map((r) => r.taskId))].join(", ")})`);
  if (runs.length > 1) throw new UsageError(`task ${task} ran ${runs.length} times in execution ${id}; give --task-run, one of: ${runs.map((r) => `${r.id} (${runName(r)})`).join(", ")}`);
  return runs[0].id;
}
