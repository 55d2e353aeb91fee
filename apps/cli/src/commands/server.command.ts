import type { Command } from "commander";
import { resolve } from "node:path";
import { limitHeapGrowth } from "../heap-growth.js";

interface ServerOptions {
  config?: string;
  flows?: string;
  port?: string;
}

// the server's modules are loaded when a server starts: every other command starts faster without them
async function configFrom(options: { config?: string; port?: string }) {
  const { loadConfig } = await import("@ferry/core");
  const env = { ...process.env };
  if (options.port) env.FERRY_SERVER__PORT = options.port;
  const { config, file } = loadConfig({ file: options.config, env });
  return { config, baseDir: file ? resolve(file, "..") : process.cwd() };
}

function stopOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    void stop().then(() => process.exit(0));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

export function registerServer(program: Command): void {
  const server = program.command("server").description("run a Ferry server or worker");
  const withServerOptions = (command: Command) =>
    command
      .option("-c, --config <file>", "configuration file (default: ./ferry.yaml when present)")
      .option("--flows <dir>", "deploy every flow file of this folder at start")
      .option("-p, --port <port>", "port to listen on (overrides server.port)");

  withServerOptions(server.command("local"))
    .description("API, executor and an in-process worker in one process (embedded defaults: SQLite, local storage, memory queue)")
    .action(async (options: ServerOptions) => {
      // one process holds every running execution's task runs: keep V8's heap near what is live (heap-growth.ts)
      limitHeapGrowth();
      const [{ startFerry }, { composeLocalWorkers }] = await Promise.all([import("@ferry/server"), import("@ferry/worker")]);
      // local mode is composed here: the server runs the worker it is given, in worker threads (worker.threads)
      const ferry = await startFerry({ ...(await configFrom(options)), inProcess: composeLocalWorkers, flowsDir: options.flows ? resolve(options.flows) : undefined });
      stopOnSignal(() => ferry.close());
    });

  withServerOptions(server.command("scheduler"))
    .description("API, executor and triggers, dispatching task runs over the shared queue to `ferry server worker` processes")
    .action(async (options: ServerOptions) => {
      const { startFerry } = await import("@ferry/server");
      const ferry = await startFerry({ ...(await configFrom(options)), flowsDir: options.flows ? resolve(options.flows) : undefined });
      stopOnSignal(() => ferry.close());
    });

  server
    .command("worker")
    .description("a stateless worker taking task runs from the shared queue")
    .option("-c, --config <file>", "configuration file (default: ./ferry.yaml when present)")
    .option("--concurrency <n>", "task runs at once (overrides worker.concurrency)")
    .option("--group <name>", "worker group to serve, repeatable (overrides worker.groups)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("--grace <seconds>", "on SIGTERM, how long running tasks may finish before they are handed back", "30")
    .action(async (options: { config?: string; concurrency?: string; group: string[]; grace: string }) => {
      const { startWorker } = await import("@ferry/worker");
      const handle = await startWorker({
        ...(await configFrom(options)),
        concurrency: options.concurrency ? Number(options.concurrency) : undefined,
        groups: options.group.length ? options.group : undefined,
      });
      console.log(JSON.stringify({ level: "info", msg: "ferry worker started", id: handle.worker.id }));
      stopOnSignal(() => handle.stop(Number(options.grace) * 1000));
    });
}
