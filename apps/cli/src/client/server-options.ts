import type { Command } from "commander";
import { ApiClient } from "./api-client.js";
import { resolveServer, type TargetOptions } from "./server-target.js";

export const SERVER_OPTION = ["-s, --server <url>", "server URL (default: $FERRY_SERVER_URL, then server.host/port of ferry.yaml, then http://127.0.0.1:8080)"] as const;
export const CONFIG_OPTION = ["-c, --config <file>", "read server.host and server.port from this file instead of ./ferry.yaml"] as const;

/** `--server` and `--config` on a command that talks to a server (every such command takes both) */
export function withServer(command: Command): Command {
  return command.option(...SERVER_OPTION).option(...CONFIG_OPTION);
}

/** the client for the server a command's options (or the environment, or ferry.yaml) name */
export function clientFor(options: object): ApiClient {
  return new ApiClient(resolveServer(options as TargetOptions));
}
