/*
 * A stand-in worker for process-user.test.ts, run in a process of its own so that its
 * environment can hold a secret from the start: /proc/<pid>/environ shows what a process
 * was started with, not what process.env gained since. Runs one script.Shell task with
 * runTask and prints the result (or the error) as JSON.
 *
 *   node --conditions=ferry-src --import tsx process-user.test-support.ts '{"commands":[…],"processUser":{…}}'
 */
import type { ProcessUser } from "@ferry/sdk";
import { runTask } from "../../../packages/testkit/src/run-task.js";
import { shellTask } from "./shell.task.js";

const { commands, processUser } = JSON.parse(process.argv[2] ?? "{}") as { commands: string[]; processUser?: ProcessUser };
try {
  const result = await runTask(shellTask, { commands }, { processUser });
  process.stdout.write(JSON.stringify({ outputs: result.outputs, logs: result.logs }));
} catch (error) {
  process.stdout.write(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
}
