import { loadConfig } from "@ferry/core";
import { UserError } from "@ferry/sdk";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { exit, onStopSignal, runtimeName } from "./runtime.js";
import { startWorker } from "./start-worker.js";

// `ferry-worker [--config FILE] [--concurrency N] [--group G]…`, under Node or Deno
// (`deno run -A apps/worker/dist/main.js`): the same code and configuration either way.
try {
  const { values } = parseArgs({
    options: {
      config: { type: "string", short: "c" },
      concurrency: { type: "string" },
      group: { type: "string", multiple: true },
      grace: { type: "string", default: "30" },
    },
  });
  const { config, file } = loadConfig({ file: values.config });
  const concurrency = values.concurrency ? Number(values.concurrency) : undefined;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) throw new UserError(`--concurrency must be a positive integer, not '${values.concurrency}'`);
  const handle = await startWorker({ config, baseDir: file ? resolve(file, "..") : process.cwd(), concurrency, groups: values.group });
  console.log(JSON.stringify({ level: "info", msg: "ferry worker started", id: handle.worker.id, runtime: runtimeName, groups: values.group ?? config.worker.groups }));
  let stopping = false;
  onStopSignal(() => {
    if (stopping) return;
    stopping = true;
    console.log(JSON.stringify({ level: "info", msg: "ferry worker stopping", id: handle.worker.id }));
    void handle.stop(Number(values.grace) * 1000).then(() => exit(0));
  });
} catch (error) {
  console.error(error instanceof UserError ? `ferry worker: ${error.message}` : `ferry worker: unexpected error: ${(error as Error).stack ?? String(error)}`);
  exit(1);
}
