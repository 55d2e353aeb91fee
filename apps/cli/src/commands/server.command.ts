import { loadConfig } from "@ferry/core";
import { startFerry } from "@ferry/server";
import type { Command } from "commander";
import { resolve } from "node:path";

export function registerServer(program: Command): void {
  const server = program.command("server").description("run a Ferry server");
  server
    .command("local")
    .description("server, executor and an in-process worker on the embedded defaults (SQLite, local storage, memory queue)")
    .option("-c, --config <file>", "configuration file (default: ./ferry.yaml when present)")
    .option("--flows <dir>", "deploy every flow file of this folder at start")
    .option("-p, --port <port>", "port to listen on (overrides server.port)")
    .action(async (options: { config?: string; flows?: string; port?: string }) => {
      const env = { ...process.env };
      if (options.port) env.FERRY_SERVER__PORT = options.port;
      const { config, file } = loadConfig({ file: options.config, env });
      const ferry = await startFerry({
        config,
        baseDir: file ? resolve(file, "..") : process.cwd(),
        flowsDir: options.flows ? resolve(options.flows) : undefined,
      });
      let stopping = false;
      const stop = async () => {
        if (stopping) return;
        stopping = true;
        await ferry.close();
        process.exit(0);
      };
      process.on("SIGINT", () => void stop());
      process.on("SIGTERM", () => void stop());
    });
}
