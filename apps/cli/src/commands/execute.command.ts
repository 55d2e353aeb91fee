import { UserError } from "@ferry/sdk";
import type { Command } from "commander";
import { ApiClient, serverUrl } from "../client.js";

interface ExecutionAnswer {
  id: string;
  state: { current: string };
  outputs?: unknown;
  taskRunList: Array<{ taskId: string; value: string | null; state: { current: string }; outputs: unknown }>;
}

export function registerExecute(program: Command): void {
  program
    .command("execute")
    .description("start an execution of a flow")
    .argument("<namespace>")
    .argument("<flowId>")
    .option("-i, --input <key=value>", "an input, repeatable", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("-w, --wait", "wait for the end; print state, outputs and logs")
    .option("-s, --server <url>", "server URL (default: $FERRY_SERVER_URL, then http://127.0.0.1:8080)")
    .action(async (namespace: string, flowId: string, options: { input: string[]; wait?: boolean; server?: string }) => {
      const client = new ApiClient(serverUrl(options.server));
      const form = new FormData();
      for (const pair of options.input) {
        const at = pair.indexOf("=");
        if (at <= 0) throw new UserError(`--input '${pair}' is not key=value`);
        form.append(pair.slice(0, at), pair.slice(at + 1));
      }
      const path = `/api/v1/executions/${encodeURIComponent(namespace)}/${encodeURIComponent(flowId)}${options.wait ? "?wait=true" : ""}`;
      const execution = await client.expect<ExecutionAnswer>("POST", path, form);
      console.log(`execution ${execution.id}: ${execution.state.current}`);
      if (!options.wait) return;
      for (const run of execution.taskRunList) {
        console.log(`  ${run.taskId}${run.value !== null ? `[${run.value}]` : ""}: ${run.state.current}${run.outputs ? ` ${JSON.stringify(run.outputs)}` : ""}`);
      }
      if (execution.outputs) console.log(`outputs: ${JSON.stringify(execution.outputs, null, 2)}`);
      const logs = await client.expect<Array<{ timestamp: string; level: string; taskId?: string; message: string }>>("GET", `/api/v1/logs/${execution.id}`);
      if (logs.length) console.log("logs:");
      for (const l of logs) console.log(`  ${l.timestamp} ${l.level.padEnd(5)} ${l.taskId ?? "-"}: ${l.message}`);
      if (execution.state.current !== "SUCCESS" && execution.state.current !== "WARNING") process.exitCode = 1;
    });
}
